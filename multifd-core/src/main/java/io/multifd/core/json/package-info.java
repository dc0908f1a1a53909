/**
 * Minimal JSON support shared by the decoder, the live QEMU tools and the CLI:
 * {@link io.multifd.core.json.Json} parses documents and quotes string literals.
 *
 * @since 0.1
 */
package io.multifd.core.json;
