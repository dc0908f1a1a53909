package io.multifd.method.zstd;

import static io.multifd.method.zstd.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Setup and cleanup: native contexts are closed, the slot is emptied (rules 1.4, 1.5). */
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

    @Test
    void tenThousandSetupCleanupCyclesDoNotGrowTheProcess() throws Exception {
        ResolvedMethod m = zstd();
        cycles(m, 1_000);
        long before = nativeKiB();
        cycles(m, 10_000);
        long after = nativeKiB();
        assertThat(after - before).as("growth of RSS minus committed heap, KiB").isLessThan(64 * 1024);
    }

    private static void cycles(ResolvedMethod m, int count) throws MultifdException {
        Random rnd = new Random(count);
        byte[] page = Loopback.randomPage(rnd, PAGE);
        for (int i = 0; i < count; i++) {
            if (i % 250 == 0) {
                System.gc(); // let dead direct buffers go, so that they do not hide a native leak
            }
            ChannelSender s = new ChannelSender(m, 0, PAGE, Channels.newChannel(OutputStream.nullOutputStream()),
                    new AtomicLong(), true);
            s.setup();
            ZstdCompressCtx c = s.state(ZstdMethod.SendState.class).ctx;
            if (i % 10 == 0) {
                // a used context holds its full workspace (about a megabyte at level 1)
                s.batch(Loopback.BLOCK).add(0, java.nio.ByteBuffer.wrap(page));
                s.sendBatch();
            }
            s.close();
            assertThatThrownBy(c::reset).isInstanceOf(IllegalStateException.class);
            ChannelReceiver r = new ChannelReceiver(m, PAGE,
                    Channels.newChannel(new ByteArrayInputStream(new byte[0])), "empty", null);
            r.setup();
            ZstdDecompressCtx d = r.state(ZstdMethod.RecvState.class).ctx;
            r.close();
            assertThatThrownBy(d::reset).isInstanceOf(IllegalStateException.class);
        }
    }

    /** Resident memory outside the Java heap: the process RSS minus the committed heap. */
    static long nativeKiB() throws IOException, InterruptedException {
        System.gc();
        Thread.sleep(300);
        Path status = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assertions.assertTrue(Files.exists(status), "needs Linux /proc");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                long rss = Long.parseLong(line.replaceAll("\\D+", ""));
                long heap = Runtime.getRuntime().totalMemory() / 1024;
                System.out.println("RSS " + rss + " KiB, committed heap " + heap + " KiB");
                return rss - heap;
            }
        }
        throw new IOException("no VmRSS in " + status);
    }
}
