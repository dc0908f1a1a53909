/**
 * The framework around the methods: discovery, the QEMU multifd packet codec, the per-channel
 * send and receive layer, capture decoding and the transfer engine.
 *
 * @since 0.1
 */
module io.multifd.core {
    requires transitive io.multifd.api;
    // sun.misc.Unsafe.invokeCleaner: releasing the mapped windows of a source (image.Unmapper)
    requires jdk.unsupported;

    exports io.multifd.core;
    exports io.multifd.core.wire;
    exports io.multifd.core.channel;
    exports io.multifd.core.image;
    exports io.multifd.core.engine;
    exports io.multifd.core.registry;
    exports io.multifd.core.qemu;
    exports io.multifd.core.qemu.live;
    exports io.multifd.core.json;
    exports io.multifd.core.tls;

    uses io.multifd.api.MethodProvider;
}
