/**
 * The {@code zlib} multifd method (QEMU 10.0 wire flag 0x02), on {@code java.util.zip}. It exports
 * nothing and only provides its {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
module io.multifd.method.zlib {
    requires io.multifd.api;

    provides io.multifd.api.MethodProvider with io.multifd.method.zlib.ZlibMethodProvider;
}
