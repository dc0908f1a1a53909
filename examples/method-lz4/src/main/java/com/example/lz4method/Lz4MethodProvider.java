package com.example.lz4method;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;

import java.util.List;

/**
 * Provides the {@code lz4} method: each RAM packet's normal pages compressed as one LZ4 block,
 * with lz4-java's pure-Java, bounds-checked implementation. QEMU does not know this method, so it
 * takes a value of the private flag space, {@code 0x34}, and only talks to multifd peers that have
 * this jar too.
 *
 * <p>Parameter {@code level}: 0 (the default) is LZ4's fast compressor; 1 to 9 are LZ4 HC levels
 * (much slower in pure Java, a little smaller; lz4-java's levels above 9 cost seconds per packet
 * for almost nothing, so they are not offered). The receiver decodes every level the same way.
 *
 * <p>A cheap factory (rule 1.2): the constructor does nothing, and the method is always available
 * because it needs no native code.
 */
public final class Lz4MethodProvider implements MethodProvider {

    /** The method's name. */
    public static final String NAME = "lz4";

    /** Its wire flag: a value of the private flag space, not used by QEMU. */
    public static final MethodFlag FLAG = MethodFlag.privateFlag(0x34);

    /** The name of the level parameter. */
    public static final String LEVEL = "level";

    /** The highest LZ4 HC level offered. */
    public static final int MAX_LEVEL = 9;

    private static final List<MethodParameter> PARAMETERS = List.of(MethodParameter.ofInt(LEVEL,
            "0: LZ4 fast compressor; 1 to " + MAX_LEVEL + ": LZ4 HC level (slower, smaller)", 0, MAX_LEVEL, 0));

    /** Creates the provider; does nothing else (rule 1.2). */
    public Lz4MethodProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MethodFlag flag() {
        return FLAG;
    }

    @Override
    public int apiVersion() {
        return MultifdApi.API_VERSION;
    }

    @Override
    public List<MethodParameter> parameters() {
        return PARAMETERS;
    }

    @Override
    public MultifdMethod create(MethodSettings settings) {
        return new Lz4Method(FLAG, settings.intValue(LEVEL));
    }
}
