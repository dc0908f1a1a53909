/**
 * The {@code zlib} method (spec §4.2): per channel and direction one zlib stream (2-byte header,
 * window bits 15) that lives for the whole transfer and is never finished. Every packet's pages are
 * deflated in order, the last one with a sync flush, so each payload ends with the empty stored
 * block {@code 00 00 FF FF}. Not exported; found through {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
package io.multifd.method.zlib;
