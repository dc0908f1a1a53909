/**
 * The {@code none} method: the payload of a packet is its normal pages, raw and concatenated in
 * batch order (spec §4.1). Not exported; found through {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
package io.multifd.method.none;
