package io.multifd.method.zlib;

import static io.multifd.tck.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * Setup and cleanup: the Deflater and Inflater are really ended and the slot is emptied (rules
 * 1.4, 1.5). The conformance kit's rule 1.5 check runs the 10,000 setup/cleanup cycles.
 */
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
}
