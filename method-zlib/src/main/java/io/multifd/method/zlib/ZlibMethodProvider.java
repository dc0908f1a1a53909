package io.multifd.method.zlib;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;
import java.util.List;

/**
 * Provides the {@code zlib} method: wire flag 0x02, parameter {@code level} 0..9 (default 1, as
 * QEMU's {@code multifd-zlib-level}). Pure Java ({@code java.util.zip}), so always available.
 *
 * @since 0.1
 */
public final class ZlibMethodProvider implements MethodProvider {

    /** The method's name. */
    public static final String NAME = "zlib";

    /** The name of the level parameter. */
    public static final String LEVEL = "level";

    private static final List<MethodParameter> PARAMETERS = List.of(MethodParameter.ofInt(LEVEL,
            "zlib compression level, 0 (stored) to 9 (best), as QEMU's multifd-zlib-level", 0, 9, 1));

    /** Creates the provider; does nothing else (rule 1.2). */
    public ZlibMethodProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MethodFlag flag() {
        return MethodFlag.ZLIB;
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
        return new ZlibMethod(settings.intValue(LEVEL));
    }
}
