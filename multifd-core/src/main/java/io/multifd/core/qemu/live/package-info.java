/**
 * Live interoperability with real QEMU 10.0 processes.
 *
 * <ul>
 * <li>{@link io.multifd.core.qemu.live.QemuReceiver}: the destination of a live QEMU multifd
 * migration ({@code qemu-receive}); it writes a recorded migration folder
 * ({@link io.multifd.core.qemu.live.ReceivedMigration}: {@code main.bin}, one image per RAMBlock,
 * {@code blocks.json}, and every channel's packet sequence in {@code channels/}).</li>
 * <li>{@link io.multifd.core.qemu.live.MigrationRecorder}: the same recording from a capture
 * folder ({@code conn-*.bin}).</li>
 * <li>{@link io.multifd.core.qemu.live.Transcoder}: re-encodes a recorded migration with another
 * method, level, channel count or UUID, keeping its pass structure ({@code qemu-transcode}).</li>
 * <li>{@link io.multifd.core.qemu.live.QemuSender}: streams a migration folder to a QEMU
 * destination, all connections open at once ({@code qemu-send}).</li>
 * </ul>
 *
 * @since 0.1
 */
package io.multifd.core.qemu.live;
