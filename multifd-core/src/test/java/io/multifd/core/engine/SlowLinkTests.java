package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One data connection throttled by a proxy to 1 MiB/s: the transfer still completes, correct,
 * and the other channel takes most of the work.
 */
@ExtendWith(NoLeaks.class)
class SlowLinkTests {

    private static final MethodProvider COPY = TestMethods.copy();
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(10))
            .withEndGrace(Duration.ofSeconds(2));

    @Test
    @Timeout(60)
    void aThrottledChannelStillCompletesAndTheOtherTakesMostOfTheWork() throws Exception {
        MemoryImage source = Fixtures.image(4096, 13, List.of(new BlockSpec("pc.ram", 32L << 20)));
        MemorySink sink = new MemorySink();
        TransferStats sent;
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink);
             FaultProxy proxy = new FaultProxy(peer.address(), -1, Long.MAX_VALUE).throttle(1, 1 << 20)) {
            try (SourceSession s = TcpSource.connect(proxy.address(),
                    SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                sent = s.finish();
            }
            peer.await();
            Fixtures.assertSameContent(source, sink.image().orElseThrow());
        }
        long a = sent.channels().get(0).dataPackets();
        long b = sent.channels().get(1).dataPackets();
        assertThat(Math.max(a, b)).as("packets of the fast channel vs the slow one: %d, %d", a, b)
                .isGreaterThan(3 * Math.min(a, b));
    }
}
