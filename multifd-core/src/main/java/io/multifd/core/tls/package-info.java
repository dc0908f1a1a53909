/**
 * TLS 1.3 (JSSE) for the connections of a transfer: PEM certificates and keys ({@link
 * io.multifd.core.tls.PemFiles}), the context and the per-connection handshake ({@link
 * io.multifd.core.tls.TlsConfig}), and a byte channel over a TLS socket that ends with
 * {@code close_notify} ({@link io.multifd.core.tls.TlsChannel}).
 *
 * @since 0.1
 */
package io.multifd.core.tls;
