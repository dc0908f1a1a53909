package io.multifd.method.zstd;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import java.util.List;

/**
 * Provides the {@code zstd} method: wire flag 0x04, parameter {@code level} 0..20 (default 1, as
 * QEMU's {@code multifd-zstd-level}; 0 means zstd's default level). The native library of zstd-jni
 * is loaded the first time {@link #availability()} or {@link #create(MethodSettings)} runs, never
 * by the constructor.
 *
 * @since 0.1
 */
public final class ZstdMethodProvider implements MethodProvider {

    /** The method's name. */
    public static final String NAME = "zstd";

    /** The name of the level parameter. */
    public static final String LEVEL = "level";

    private static final List<MethodParameter> PARAMETERS = List.of(MethodParameter.ofInt(LEVEL,
            "zstd compression level, 1 (fast) to 20 (small), 0 for zstd's default, as QEMU's multifd-zstd-level",
            0, 20, 1));

    /** Creates the provider; does nothing else (rule 1.2). */
    public ZstdMethodProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MethodFlag flag() {
        return MethodFlag.ZSTD;
    }

    @Override
    public int apiVersion() {
        return MultifdApi.API_VERSION;
    }

    /**
     * Loads zstd-jni's native library once; unavailable, with the loader's message, when it fails.
     *
     * @return full, or unavailable with the reason
     */
    @Override
    public Availability availability() {
        return ZstdNative.availability();
    }

    @Override
    public List<MethodParameter> parameters() {
        return PARAMETERS;
    }

    @Override
    public MultifdMethod create(MethodSettings settings) throws MultifdException {
        Availability availability = ZstdNative.availability();
        if (!availability.isFull()) {
            throw new MultifdException(NAME, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, null,
                    "zstd is not available here: " + availability.reason(), null);
        }
        return new ZstdMethod(settings.intValue(LEVEL), ZstdNative.version());
    }
}
