package io.multifd.tck.broken;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;

import java.util.function.Function;

/** A provider of a test method with a private flag. */
abstract class BrokenProvider implements MethodProvider {

    private final String name;
    private final MethodFlag flag;
    private final Function<MethodFlag, MultifdMethod> factory;

    BrokenProvider(String name, int flag, Function<MethodFlag, MultifdMethod> factory) {
        this.name = name;
        this.flag = MethodFlag.privateFlag(flag);
        this.factory = factory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MethodFlag flag() {
        return flag;
    }

    @Override
    public int apiVersion() {
        return MultifdApi.API_VERSION;
    }

    @Override
    public MultifdMethod create(MethodSettings settings) {
        return factory.apply(flag);
    }
}
