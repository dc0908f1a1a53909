package com.example.lz4method;

import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContract;

/**
 * Step 3 of a plugin author: the conformance kit on this method. One class, the provider; every
 * rule of the hook contract runs against it (at levels 0 and 9, every page size).
 */
class Lz4ConformanceProperties implements MethodContract {

    @Override
    public MethodProvider provider() {
        return new Lz4MethodProvider();
    }
}
