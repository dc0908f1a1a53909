package io.multifd.tck.broken;

import io.multifd.tck.MethodContract;
import io.multifd.tck.MethodContractSettings;

/** A contract over a test method, which is not registered for ServiceLoader. */
interface FixtureContract extends MethodContract {

    @Override
    default MethodContractSettings settings() {
        return MethodContractSettings.defaults()
                .skipping("rule_4_1_registeredForServiceLoader", "test fixture, not registered in META-INF/services");
    }
}
