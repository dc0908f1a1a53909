package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A destination under a flood of connections that are not data channels of the transfer (silent,
 * garbage, another transfer's UUID, an id out of range) opened while it accepts the real data
 * channels: it drops them and serves the real transfer.
 */
@ExtendWith(NoLeaks.class)
class FloodTests {

    private static final MethodProvider COPY = TestMethods.copy();
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(10))
            .withEndGrace(Duration.ofSeconds(2));

    @Test
    @Timeout(60)
    void aFloodOfStrayConnectionsIsDroppedWhileTheRealTransferIsServed() throws Exception {
        MemoryImage source = Fixtures.image(4096, 11, List.of(new BlockSpec("pc.ram", 8L << 20)));
        MemorySink sink = new MemorySink();
        List<Socket> flood = new ArrayList<>();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink);
             FaultProxy proxy = new FaultProxy(peer.address(), -1, Long.MAX_VALUE)) {
            // when the source opens its first data connection, 40 strays reach the destination first
            proxy.beforeConnect(n -> {
                if (n != 1) {
                    return;
                }
                SplittableRandom r = new SplittableRandom(8);
                try {
                    for (int i = 0; i < 40; i++) {
                        Socket s = new Socket(peer.address().getAddress(), peer.address().getPort());
                        flood.add(s);
                        byte[] b;
                        switch (i % 4) {
                            case 0 -> b = new byte[0]; // silent
                            case 1 -> {
                                b = new byte[100 + r.nextInt(4000)];
                                r.nextBytes(b);
                            }
                            case 2 -> b = FakeSource.init(UUID.randomUUID(), 0).array();
                            default -> b = FakeSource.init(UUID.randomUUID(), 200).array();
                        }
                        s.getOutputStream().write(b);
                    }
                    Thread.sleep(300);
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            long t0 = System.nanoTime();
            try (SourceSession s = TcpSource.connect(proxy.address(),
                    SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                s.finish();
            }
            DestinationResult result = peer.await();
            assertThat(result.stats().imageBytes()).isEqualTo(8L << 20);
            assertThat(sink.committed()).isTrue();
            Fixtures.assertSameContent(source, sink.image().orElseThrow());
            assertThat((System.nanoTime() - t0) / 1_000_000_000L).as("seconds").isLessThan(10);
            // every stray was dropped (closed) by the destination, or never read
            int closed = 0;
            for (Socket s : flood) {
                s.setSoTimeout(5000);
                try {
                    if (s.getInputStream().read() < 0) {
                        closed++;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // still open after 5 s: not dropped
                } catch (IOException e) {
                    closed++; // reset by the destination
                }
            }
            assertThat(closed).as("strays closed by the destination").isEqualTo(flood.size());
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }

}
