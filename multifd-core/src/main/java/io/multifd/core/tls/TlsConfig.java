package io.multifd.core.tls;

import io.multifd.api.MultifdException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS 1.3 for one side of a transfer, from PEM files: this side's certificate chain and key, and
 * the CA that the peer's certificate must chain to (without one, the JDK's default trust store).
 * With a CA, the server requires a client certificate too (mutual TLS) unless {@code mutual} is
 * false. The client checks the server's host name (or IP address) against the certificate's
 * subject alternative names. Every connection does its own full handshake.
 *
 * @param cert   this side's certificate chain (PEM), leaf first
 * @param key    this side's private key (PEM, PKCS#8 or PKCS#1)
 * @param ca     the CA certificates (PEM) the peer must chain to; empty: the JDK's trust store
 * @param mutual whether a server requires the client's certificate (default: when a CA is given)
 * @since 0.1
 */
public record TlsConfig(Path cert, Path key, Optional<Path> ca, boolean mutual) {

    /** The only protocol offered and accepted. */
    public static final String PROTOCOL = "TLSv1.3";

    /** A server session timeout above TLS 1.3's 7-day ticket lifetime: JSSE then issues no ticket. */
    static final int NO_TICKET_SESSION_TIMEOUT = 7 * 24 * 3600 + 1;

    /**
     * Checks the values.
     *
     * @param cert   certificate
     * @param key    key
     * @param ca     CA
     * @param mutual mutual TLS
     */
    public TlsConfig {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ca, "ca");
    }

    /**
     * The usual configuration: mutual TLS exactly when a CA is given.
     *
     * @param cert certificate chain
     * @param key  private key
     * @param ca   CA, or null for the JDK's trust store
     * @return the configuration
     */
    public static TlsConfig of(Path cert, Path key, Path ca) {
        return new TlsConfig(cert, key, Optional.ofNullable(ca), ca != null);
    }

    /**
     * Builds the JSSE context (reads and checks the files).
     *
     * @return the context, for any number of connections
     * @throws MultifdException when a file is missing or invalid
     */
    public Context context() throws MultifdException {
        List<X509Certificate> chain = PemFiles.certificates(cert, "certificate");
        PrivateKey pk = PemFiles.privateKey(key);
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("self", pk, pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (ca.isPresent()) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                int i = 0;
                for (X509Certificate c : PemFiles.certificates(ca.get(), "CA certificate")) {
                    ts.setCertificateEntry("ca-" + i++, c);
                }
                tmf.init(ts);
            } else {
                tmf.init((KeyStore) null);
            }
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            // No TLS 1.3 NewSessionTicket from our server side: a migration source never reads its
            // multifd connections, so the unread ticket bytes would make its kernel answer the
            // final close with a reset, which destroys the end of the stream on our side. (JSSE
            // sends no ticket when the server session timeout exceeds the 7-day ticket limit.)
            ctx.getServerSessionContext().setSessionTimeout(NO_TICKET_SESSION_TIMEOUT);
            return new Context(ctx, mutual && ca.isPresent());
        } catch (GeneralSecurityException | IOException e) {
            throw new MultifdException("cannot set up TLS with certificate " + cert + " and key " + key + ": "
                    + e.getMessage(), e);
        }
    }

    /** A ready JSSE context that wraps connected sockets. */
    public static final class Context {

        private final SSLContext ssl;
        private final boolean needClientAuth;

        Context(SSLContext ssl, boolean needClientAuth) {
            this.ssl = ssl;
            this.needClientAuth = needClientAuth;
        }

        /**
         * Runs the client side of a handshake over a connected socket, checking the server's
         * certificate for {@code host}.
         *
         * @param plain   the connected TCP socket (closed when the TLS socket is closed)
         * @param host    the host name or IP address the client connected to
         * @param what    the connection, for messages ("the main channel", "channel 2")
         * @param timeout the handshake's time bound
         * @return the TLS socket, handshake done
         * @throws MultifdException naming the connection and the cause (untrusted certificate,
         *                          host name mismatch, expired certificate, a plain-text peer)
         */
        public SSLSocket client(Socket plain, String host, String what, Duration timeout) throws MultifdException {
            try {
                SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(plain, host, plain.getPort(), true);
                s.setUseClientMode(true);
                SSLParameters p = s.getSSLParameters();
                p.setProtocols(new String[]{PROTOCOL});
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                return handshake(s, plain, what + " to " + host + ":" + plain.getPort(), timeout);
            } catch (IOException e) {
                close(plain);
                throw new MultifdException("TLS on " + what + " failed: " + e.getMessage(), e);
            }
        }

        /**
         * Runs the server side of a handshake over an accepted socket.
         *
         * @param plain   the accepted TCP socket (closed when the TLS socket is closed)
         * @param what    the connection, for messages
         * @param timeout the handshake's time bound
         * @return the TLS socket, handshake done
         * @throws MultifdException naming the connection and the cause
         */
        public SSLSocket server(Socket plain, String what, Duration timeout) throws MultifdException {
            try {
                SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                s.setUseClientMode(false);
                SSLParameters p = s.getSSLParameters();
                p.setProtocols(new String[]{PROTOCOL});
                p.setNeedClientAuth(needClientAuth);
                s.setSSLParameters(p);
                return handshake(s, plain, what + " from " + plain.getInetAddress().getHostAddress() + ":"
                        + plain.getPort(), timeout);
            } catch (IOException e) {
                close(plain);
                throw new MultifdException("TLS on " + what + " failed: " + e.getMessage(), e);
            }
        }

        /** @return whether a server requires the client's certificate */
        public boolean needClientAuth() {
            return needClientAuth;
        }

        private static SSLSocket handshake(SSLSocket s, Socket plain, String what, Duration timeout)
                throws MultifdException {
            try {
                int before = plain.getSoTimeout();
                s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
                s.startHandshake();
                s.setSoTimeout(before);
                return s;
            } catch (SocketTimeoutException e) {
                close(s);
                throw new MultifdException("TLS handshake on " + what + " did not complete within "
                        + timeout.toSeconds() + " s (is the peer using TLS?)", e);
            } catch (SSLException e) {
                close(s);
                throw new MultifdException("TLS handshake on " + what + " failed: " + explain(e), e);
            } catch (IOException e) {
                close(s);
                throw new MultifdException("TLS handshake on " + what + " failed: " + e.getMessage()
                        + " (the peer closed the connection: it may not trust our certificate, or not use TLS)", e);
            }
        }

        private static String explain(SSLException e) {
            StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
                    b.append(": ").append(c.getMessage());
                }
            }
            String m = b.toString();
            if (m.contains("plaintext") || m.contains("Unsupported or unrecognized SSL message")) {
                return m + " (the peer does not speak TLS)";
            }
            if (m.contains("validity check failed") || m.contains("CertificateExpired")) {
                return m + " (the peer's certificate has expired or is not valid yet)";
            }
            if (m.contains("unable to find valid certification path") || m.contains("PKIX path")) {
                return m + " (the peer's certificate does not chain to our CA)";
            }
            if (m.contains("Empty client certificate chain")) {
                return m + " (the client sent no certificate that chains to our CA; mutual TLS requires one)";
            }
            if (m.contains("No subject alternative")) {
                return m + " (the server's certificate is not for the host name we connected to)";
            }
            return m;
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // failing anyway
            }
        }
    }
}
