package io.multifd.method.zstd;

import static io.multifd.tck.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.tck.Loopback;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Setup and cleanup: the native contexts, used or not, are really closed and the slot is emptied
 * (rules 1.4, 1.5). The conformance kit's rule 1.5 check runs the 10,000 setup/cleanup cycles.
 */
class ZstdLifecycleTests {

    private static ResolvedMethod zstd() throws MultifdException {
        return Loopback.resolve(new ZstdMethodProvider(), Map.of());
    }

    @Test
    void sendCleanupClosesTheContextAndEmptiesTheSlot() throws MultifdException {
        ResolvedMethod m = zstd();
        Loopback.Sender s = new Loopback.Sender(m, 0, PAGE, new AtomicLong());
        s.send(0, Loopback.wrap(List.of(Loopback.randomPage(new Random(1), PAGE))));
        ChannelSender channel = s.channel();
        assertThat(channel.iovSlots()).isEqualTo(1);
        ZstdCompressCtx ctx = channel.state(ZstdMethod.SendState.class).ctx;
        s.close();
        assertThat(channel.state()).isNull();
        assertThatThrownBy(ctx::reset).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        m.method().sendCleanup(channel); // a second cleanup is harmless
        assertThat(channel.state()).isNull();
    }

    @Test
    void recvCleanupClosesTheContextAndEmptiesTheSlot() throws MultifdException {
        ResolvedMethod m = zstd();
        ChannelReceiver r = new ChannelReceiver(m, PAGE, Channels.newChannel(new ByteArrayInputStream(new byte[0])),
                "empty", null);
        r.setup();
        ZstdDecompressCtx ctx = r.state(ZstdMethod.RecvState.class).ctx;
        r.close();
        assertThat(r.state()).isNull();
        assertThatThrownBy(ctx::reset).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        m.method().recvCleanup(r);
        assertThat(r.state()).isNull();
    }

    @Test
    void cleanupAfterAFailedRecvClosesTheContext() throws MultifdException {
        ResolvedMethod m = zstd();
        List<Loopback.Packet> wire = List.of(Loopback.packet(PAGE, io.multifd.api.MethodFlag.ZSTD, 0, 0, 1,
                new byte[] {1, 2, 3, 4, 5}));
        Loopback.Receiver r = new Loopback.Receiver(m, 0, PAGE, Loopback.image(PAGE, 1), wire);
        ZstdDecompressCtx ctx = r.channel().state(ZstdMethod.RecvState.class).ctx;
        assertThatThrownBy(r::step).isInstanceOf(MultifdException.class);
        r.close();
        assertThatThrownBy(ctx::reset).isInstanceOf(IllegalStateException.class);
    }
}
