package io.multifd.core.tls;

import io.multifd.api.MultifdException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * TLS 1.3 handshakes over loopback with certificates made by the test: mutual TLS and data both
 * ways with close_notify, a PKCS#1 key, and refusals with a clear message on both sides within
 * seconds: an unknown CA, an expired certificate, a wrong host name, plain text to a TLS listener.
 */
@Timeout(120)
class TlsConfigTests {

    static final Duration HANDSHAKE = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static TestCerts certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = new TestCerts(dir).ca("ca").ca("other-ca")
                .leaf("server", "ca", "DNS:localhost,IP:127.0.0.1")
                .leaf("client", "ca", "DNS:client.test")
                .leaf("rogue", "other-ca", "DNS:localhost,IP:127.0.0.1")
                .expired("old");
    }

    static TlsConfig cfg(String name, String ca) {
        return TlsConfig.of(certs.p(name + ".crt"), certs.p(name + ".key"), certs.p(ca + ".crt"));
    }

    /** Outcomes of both sides. */
    record Pair(Object server, Object client) {
    }

    /** Accepts one connection and handshakes as server; the client side handshakes for host. */
    static Pair handshake(TlsConfig server, TlsConfig client, String host) throws Exception {
        TlsConfig.Context sc = server.context();
        TlsConfig.Context cc = client.context();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Object> srv = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = ss.accept();
                    SSLSocket t = sc.server(s, "the main channel", HANDSHAKE);
                    TlsChannel ch = new TlsChannel(t, s);
                    ByteBuffer b = ByteBuffer.allocate(5);
                    while (b.hasRemaining() && ch.read(b) >= 0) {
                        // read the greeting
                    }
                    ch.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
                    ch.shutdownOutput();
                    int end = ch.read(ByteBuffer.allocate(1));
                    ch.close();
                    return new String(b.array(), StandardCharsets.US_ASCII) + " end=" + end;
                } catch (Exception e) {
                    return e;
                }
            });
            Object cli;
            long t0 = System.nanoTime();
            try {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
                SSLSocket t = cc.client(s, host, "the main channel", HANDSHAKE);
                TlsChannel ch = new TlsChannel(t, s);
                ch.write(ByteBuffer.wrap("ping!".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer b = ByteBuffer.allocate(4);
                while (b.hasRemaining() && ch.read(b) >= 0) {
                    // read the answer
                }
                int end = ch.read(ByteBuffer.allocate(1));
                ch.close();
                cli = new String(b.array(), StandardCharsets.US_ASCII) + " end=" + end;
            } catch (MultifdException | java.io.IOException e) {
                // with TLS 1.3 a client learns that the server refused its certificate at its
                // first read after the handshake
                cli = e;
            }
            Object s = srv.get(20, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1e9).as("seconds for both sides").isLessThan(10);
            return new Pair(s, cli);
        }
    }

    @Test
    void mutualTlsCarriesDataBothWaysAndEndsWithCloseNotify() throws Exception {
        Pair p = handshake(cfg("server", "ca"), cfg("client", "ca"), "localhost");
        assertThat(p.server()).isEqualTo("ping! end=-1");
        assertThat(p.client()).isEqualTo("pong end=-1");
        assertThat(cfg("server", "ca").context().needClientAuth()).isTrue();
    }

    @Test
    void anIpAddressInTheSubjectAltNamesIsAcceptedAsHost() throws Exception {
        Pair p = handshake(cfg("server", "ca"), cfg("client", "ca"), "127.0.0.1");
        assertThat(p.client()).isEqualTo("pong end=-1");
    }

    @Test
    void aPkcs1RsaKeyAsQemuSetupsHaveItWorks() throws Exception {
        Path rsa = certs.pkcs1("server");
        assertThat(Files.readString(rsa)).contains("BEGIN RSA PRIVATE KEY");
        TlsConfig server = TlsConfig.of(certs.p("server.crt"), rsa, certs.p("ca.crt"));
        Pair p = handshake(server, cfg("client", "ca"), "localhost");
        assertThat(p.client()).isEqualTo("pong end=-1");
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedOnBothSides() throws Exception {
        Pair p = handshake(cfg("rogue", "ca"), cfg("client", "ca"), "localhost");
        assertThat(p.client()).isInstanceOf(MultifdException.class);
        assertThat(((Exception) p.client()).getMessage()).contains("TLS handshake on the main channel to localhost")
                .contains("does not chain to our CA");
        assertThat(p.server()).isInstanceOf(MultifdException.class);
        assertThat(((Exception) p.server()).getMessage()).contains("TLS handshake on the main channel from 127.0.0.1");
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedByTheServer() throws Exception {
        Pair p = handshake(cfg("server", "ca"), cfg("rogue", "ca"), "localhost");
        assertThat(p.server()).isInstanceOf(MultifdException.class);
        assertThat(((Exception) p.server()).getMessage()).contains("TLS handshake on the main channel from")
                .contains("mutual TLS requires one");
        assertThat(p.client()).isInstanceOf(Exception.class);
        // TLS 1.3: the client learns of the refusal at its next I/O, as an alert or a cut connection
        assertThat(((Exception) p.client()).getMessage()).containsPattern("bad_certificate|Broken pipe|reset");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        TlsConfig server = TlsConfig.of(certs.p("old.crt"), certs.p("old.key"), certs.p("ca.crt"));
        TlsConfig client = TlsConfig.of(certs.p("client.crt"), certs.p("client.key"), certs.p("old-ca.crt"));
        Pair p = handshake(server, client, "localhost");
        assertThat(p.client()).isInstanceOf(MultifdException.class);
        assertThat(((Exception) p.client()).getMessage()).contains("has expired or is not valid yet");
        assertThat(p.server()).isInstanceOf(MultifdException.class);
    }

    @Test
    void aWrongHostNameIsRefusedByTheClient() throws Exception {
        Pair p = handshake(cfg("server", "ca"), cfg("client", "ca"), "other.example");
        assertThat(p.client()).isInstanceOf(MultifdException.class);
        assertThat(((Exception) p.client()).getMessage()).contains("other.example")
                .containsIgnoringCase("No subject alternative DNS name matching other.example");
        assertThat(p.server()).isInstanceOf(MultifdException.class);
    }

    @Test
    void plainTextToATlsListenerIsRefusedWithinSeconds() throws Exception {
        TlsConfig.Context sc = cfg("server", "ca").context();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket plain = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
            CompletableFuture<Throwable> srv = CompletableFuture.supplyAsync(() -> catchThrowable(() ->
                    sc.server(ss.accept(), "the main channel", HANDSHAKE)));
            OutputStream o = plain.getOutputStream();
            o.write("QEVM\0\0\0\3 plain migration stream".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            Throwable t = srv.get(10, TimeUnit.SECONDS);
            assertThat(t).isInstanceOf(MultifdException.class);
            assertThat(t.getMessage()).contains("TLS handshake on the main channel").contains("does not speak TLS");
            plain.setSoTimeout(5000);
            InputStream in = plain.getInputStream();
            assertThat(catchThrowable(() -> {
                while (in.read() >= 0) {
                    // the alert, then the end
                }
            })).as("the plain client sees the connection end").satisfiesAnyOf(
                    x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(java.io.IOException.class));
        }
    }

    @Test
    void aTlsClientToAPlainListenerFailsWithinTheHandshakeTimeout() throws Exception {
        TlsConfig.Context cc = cfg("client", "ca").context();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Socket accepted = ss.accept()) {
            long t0 = System.nanoTime();
            Throwable t = catchThrowable(() -> cc.client(s, "localhost", "channel 0", Duration.ofSeconds(2)));
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
            assertThat(t).isInstanceOf(MultifdException.class).hasMessageContaining("channel 0")
                    .hasMessageContaining("did not complete within 2 s");
            assertThat(accepted.isConnected()).isTrue();
        }
    }

    @Test
    void missingOrMalformedPemFilesAreClearErrors() throws Exception {
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "not a pem file");
        assertThat(catchThrowable(() -> TlsConfig.of(junk, certs.p("client.key"), null).context()))
                .isInstanceOf(MultifdException.class).hasMessageContaining("holds no PEM block");
        assertThat(catchThrowable(() -> TlsConfig.of(certs.p("client.crt"), certs.p("client.crt"), null).context()))
                .isInstanceOf(MultifdException.class).hasMessageContaining("holds no PRIVATE KEY");
        assertThat(catchThrowable(() -> TlsConfig.of(dir.resolve("nope.crt"), certs.p("client.key"), null).context()))
                .isInstanceOf(MultifdException.class).hasMessageContaining("cannot read the certificate");
    }

}
