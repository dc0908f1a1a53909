package io.multifd.method.none;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;

/**
 * Provides the {@code none} method: no compression, wire flag 0x00, no parameters. Pages are sent
 * straight from the batch buffers and read straight into the destination pages.
 *
 * @since 0.1
 */
public final class NoneMethodProvider implements MethodProvider {

    /** The method's name. */
    public static final String NAME = "none";

    /** Creates the provider; does nothing else (rule 1.2). */
    public NoneMethodProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MethodFlag flag() {
        return MethodFlag.NONE;
    }

    @Override
    public int apiVersion() {
        return MultifdApi.API_VERSION;
    }

    @Override
    public MultifdMethod create(MethodSettings settings) {
        return new NoneMethod();
    }
}
