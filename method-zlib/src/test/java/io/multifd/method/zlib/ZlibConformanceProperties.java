package io.multifd.method.zlib;

import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContract;

/** The conformance kit (multifd-tck) on zlib: every rule of the hook contract, at every level. */
class ZlibConformanceProperties implements MethodContract {

    @Override
    public MethodProvider provider() {
        return new ZlibMethodProvider();
    }
}
