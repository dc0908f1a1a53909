package io.multifd.method.none;

import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContract;

/**
 * The conformance kit (multifd-tck) on the reference method {@code none}, as a method author runs
 * it: one class, the provider, default settings. Every check must pass.
 */
class NoneConformanceProperties implements MethodContract {

    @Override
    public MethodProvider provider() {
        return new NoneMethodProvider();
    }
}
