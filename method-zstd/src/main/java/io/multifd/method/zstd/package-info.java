/**
 * The {@code zstd} method (spec §4.3): per channel and direction one zstd frame (no checksum, no
 * content size) that lives for the whole transfer and is never ended. Every page is compressed
 * with {@code ZSTD_e_continue}, the last page of a packet with {@code ZSTD_e_flush}, so each
 * payload decodes completely given the channel's earlier payloads. Not exported; found through
 * {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
package io.multifd.method.zstd;
