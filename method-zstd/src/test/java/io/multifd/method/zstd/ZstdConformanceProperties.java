package io.multifd.method.zstd;

import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContract;
import io.multifd.tck.MethodContractSettings;

/** The conformance kit (multifd-tck) on zstd, up to level 9: higher levels are too slow for a test run. */
class ZstdConformanceProperties implements MethodContract {

    @Override
    public MethodProvider provider() {
        return new ZstdMethodProvider();
    }

    @Override
    public MethodContractSettings settings() {
        return MethodContractSettings.defaults().withMaxLevel(9);
    }
}
