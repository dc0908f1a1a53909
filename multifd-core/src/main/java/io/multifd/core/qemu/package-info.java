/**
 * QEMU's side of a migration: {@link io.multifd.core.qemu.MainStreamReader} parses the main
 * migration stream (RAMBlock list, flush markers, pages sent on the main channel) and
 * {@link io.multifd.core.qemu.CaptureDecoder} turns one recorded or live QEMU migration (the main
 * connection and its multifd connections) into one image file per RAMBlock, applying the sync
 * barrier and every check of the channel layer.
 *
 * @since 0.1
 */
package io.multifd.core.qemu;
