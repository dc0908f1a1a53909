package io.multifd.method.zlib;

import static io.multifd.method.zlib.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** Setup and cleanup: what is allocated is released (rules 1.4, 1.5). */
class ZlibLifecycleTests {

    private static ResolvedMethod zlib() throws MultifdException {
        return Loopback.resolve(new ZlibMethodProvider(), Map.of());
    }

    @Test
    void sendCleanupEndsTheDeflaterAndEmptiesTheSlot() throws MultifdException {
        ResolvedMethod m = zlib();
        Loopback.Sender s = new Loopback.Sender(m, 0, PAGE, new AtomicLong());
        s.send(0, Loopback.wrap(List.of(Loopback.randomPage(new Random(1), PAGE))));
        ChannelSender channel = s.channel();
        assertThat(channel.iovSlots()).isEqualTo(1);
        Deflater deflater = channel.state(ZlibMethod.SendState.class).deflater;
        assertThat(deflater.getBytesRead()).isEqualTo(PAGE);
        s.close();
        assertThat(channel.state()).isNull();
        assertThatThrownBy(deflater::getBytesRead).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("closed");
        m.method().sendCleanup(channel); // a second cleanup is harmless
        assertThat(channel.state()).isNull();
    }

    @Test
    void recvCleanupEndsTheInflaterAndEmptiesTheSlot() throws MultifdException {
        ResolvedMethod m = zlib();
        ChannelReceiver r = new ChannelReceiver(m, PAGE, Channels.newChannel(new ByteArrayInputStream(new byte[0])),
                "empty", null);
        r.setup();
        Inflater inflater = r.state(ZlibMethod.RecvState.class).inflater;
        assertThat(inflater.getRemaining()).isZero();
        r.close();
        assertThat(r.state()).isNull();
        assertThatThrownBy(inflater::getBytesRead).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("closed");
        m.method().recvCleanup(r);
        assertThat(r.state()).isNull();
    }

    @Test
    void tenThousandSetupCleanupCyclesDoNotGrowTheProcess() throws Exception {
        ResolvedMethod m = zlib();
        cycles(m, 1_000);
        long before = nativeKiB();
        cycles(m, 10_000);
        long after = nativeKiB();
        // an unreleased Deflater holds ~270 KiB of native memory: 10,000 would be gigabytes
        assertThat(after - before).as("growth of RSS minus committed heap, KiB").isLessThan(64 * 1024);
    }

    private static void cycles(ResolvedMethod m, int count) throws MultifdException {
        for (int i = 0; i < count; i++) {
            ChannelSender s = new ChannelSender(m, 0, PAGE, Channels.newChannel(java.io.OutputStream.nullOutputStream()),
                    new AtomicLong(), true);
            s.setup();
            Deflater d = s.state(ZlibMethod.SendState.class).deflater;
            s.close();
            assertThatThrownBy(d::getBytesRead).isInstanceOf(NullPointerException.class);
            ChannelReceiver r = new ChannelReceiver(m, PAGE,
                    Channels.newChannel(new ByteArrayInputStream(new byte[0])), "empty", null);
            r.setup();
            Inflater inf = r.state(ZlibMethod.RecvState.class).inflater;
            r.close();
            assertThatThrownBy(inf::getBytesRead).isInstanceOf(NullPointerException.class);
        }
    }

    /** Resident memory outside the Java heap: the process RSS minus the committed heap. */
    static long nativeKiB() throws IOException, InterruptedException {
        // let the collector free dead direct buffers and uncommit the heap it shrank (G1 does that concurrently)
        System.gc();
        Thread.sleep(300);
        long rss = rssKiB();
        long heap = Runtime.getRuntime().totalMemory();
        System.out.println("RSS " + rss + " KiB, committed heap " + heap / 1024 + " KiB");
        return rss - heap / 1024;
    }

    static long rssKiB() throws IOException {
        Path status = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assertions.assertTrue(Files.exists(status), "needs Linux /proc");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS in " + status);
    }
}
