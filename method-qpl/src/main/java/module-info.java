/**
 * The {@code qpl} method: QEMU's Intel QPL multifd compression (flag {@code 0x08}), one raw
 * deflate stream per page behind a big-endian length table. Pages are compressed with libqpl
 * through JNA (hardware path on IAA, software path otherwise) or, without libqpl, with a
 * pure-Java encoder; both directions decode with libqpl or with {@code java.util.zip.Inflater},
 * so a destination without libqpl still receives a qpl stream.
 *
 * <p>Exports nothing; found through {@link java.util.ServiceLoader} as an
 * {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
module io.multifd.method.qpl {
    requires io.multifd.api;
    requires com.sun.jna;

    provides io.multifd.api.MethodProvider with io.multifd.method.qpl.QplMethodProvider;
}
