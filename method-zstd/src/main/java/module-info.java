/**
 * The {@code zstd} multifd method (QEMU 10.0 wire flag 0x04), on zstd-jni. It exports nothing and
 * only provides its {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
module io.multifd.method.zstd {
    requires io.multifd.api;
    requires com.github.luben.zstd_jni;

    provides io.multifd.api.MethodProvider with io.multifd.method.zstd.ZstdMethodProvider;
}
