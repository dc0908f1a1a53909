package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.tls.TestCerts;
import io.multifd.core.tls.TlsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The engine over TLS 1.3: a mutual-TLS transfer (every connection its own handshake), and
 * refusals on both sides within seconds: plain text to a TLS destination, a TLS source to a
 * destination whose certificate comes from another CA. Threads and sockets are released.
 */
@Timeout(120)
@ExtendWith(NoLeaks.class)
class EngineTlsTests {

    private static final MethodProvider COPY = TestMethods.copy();
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(5))
            .withEndGrace(Duration.ofSeconds(2));

    @TempDir
    static Path dir;
    static TestCerts certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = new TestCerts(dir).ca("ca").ca("other-ca")
                .leaf("server", "ca", "DNS:localhost,IP:127.0.0.1")
                .leaf("client", "ca", "DNS:client.test")
                .leaf("rogue", "other-ca", "DNS:localhost,IP:127.0.0.1");
    }

    static Optional<TlsConfig.Context> tls(String name, String ca) throws MultifdException {
        return Optional.of(TlsConfig.of(certs.p(name + ".crt"), certs.p(name + ".key"), certs.p(ca + ".crt"))
                .context());
    }

    @Test
    void aMutualTlsTransferDeliversTheImage() throws Exception {
        MemoryImage source = Fixtures.image(4096, 21, List.of(new BlockSpec("pc.ram", 8L << 20)));
        MemorySink sink = new MemorySink();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink, tls("server", "ca"))) {
            try (SourceSession s = TcpSource.connect(new InetSocketAddress("localhost", peer.address().getPort()),
                    SendRequest.of(3, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source,
                    tls("client", "ca"))) {
                s.sendPass(DirtyPages.all());
                s.finish();
            }
            peer.await();
            Fixtures.assertSameContent(source, sink.image().orElseThrow());
        }
    }

    @Test
    void plainTextToATlsDestinationIsRefusedOnBothSidesWithinSeconds() throws Exception {
        MemoryImage source = Fixtures.image(4096, 22, List.of(new BlockSpec("pc.ram", 1L << 20)));
        MemorySink sink = new MemorySink();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink, tls("server", "ca"))) {
            long t0 = System.nanoTime();
            MultifdException e = catchThrowableOfType(MultifdException.class, () -> TcpSource.connect(
                    peer.address(), SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source));
            Throwable d = peer.failure(10);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(8);
            assertThat(e).as("source").isNotNull();
            assertThat(d).isInstanceOf(MultifdException.class);
            assertThat(d.getMessage()).contains("TLS handshake on the main channel").contains("does not speak TLS");
            assertThat(sink.committed()).isFalse();
        }
    }

    @Test
    void aDestinationCertificateFromAnotherCaIsRefusedOnBothSides() throws Exception {
        MemoryImage source = Fixtures.image(4096, 23, List.of(new BlockSpec("pc.ram", 1L << 20)));
        MemorySink sink = new MemorySink();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink, tls("rogue", "ca"))) {
            long t0 = System.nanoTime();
            MultifdException e = catchThrowableOfType(MultifdException.class, () -> TcpSource.connect(
                    new InetSocketAddress("localhost", peer.address().getPort()),
                    SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source,
                    tls("client", "ca")));
            Throwable d = peer.failure(10);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(8);
            assertThat(e.getMessage()).contains("TLS handshake on the main channel to localhost")
                    .contains("does not chain to our CA");
            assertThat(d).isInstanceOf(MultifdException.class);
            assertThat(d.getMessage()).contains("TLS handshake on the main channel from 127.0.0.1");
        }
    }
}
