package io.multifd.method.none;

import static io.multifd.method.none.Loopback.CAPACITY;
import static io.multifd.method.none.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.method.none.Loopback.Kind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** One short round trip: mixed pages, several packets per channel, two channels interleaved. */
class NoneRoundTripProperties {

    @Property(tries = 12)
    void pagesArriveIntactThroughTwoInterleavedChannels(@ForAll long seed,
                                                        @ForAll @IntRange(min = 1, max = 5) int packetsPerChannel,
                                                        @ForAll boolean directPages) throws MultifdException {
        ResolvedMethod method = Loopback.resolve(new NoneMethodProvider(), Map.of());
        Random rnd = new Random(seed);
        int channels = 2;
        long slots = (long) channels * packetsPerChannel;
        List<List<byte[]>> expected = new ArrayList<>();
        AtomicLong counter = new AtomicLong();
        List<Loopback.Sender> senders = new ArrayList<>();
        try {
            for (int c = 0; c < channels; c++) {
                senders.add(new Loopback.Sender(method, c, PAGE, counter));
            }
            for (int slot = 0; slot < slots; slot++) {
                List<byte[]> pages = new ArrayList<>();
                int n = rnd.nextInt(5) == 0 ? CAPACITY : 1 + rnd.nextInt(40);
                for (int i = 0; i < n; i++) {
                    pages.add(Loopback.page(Kind.values()[rnd.nextInt(Kind.values().length)], rnd, PAGE));
                }
                expected.add(pages);
                List<ByteBuffer> bufs = directPages ? Loopback.direct(pages) : Loopback.wrap(pages);
                senders.get(slot % channels).send((long) slot * CAPACITY * PAGE, bufs);
            }
        } finally {
            for (Loopback.Sender s : senders) {
                s.close();
            }
        }
        MemoryImage image = Loopback.image(PAGE, slots * CAPACITY);
        List<Loopback.Receiver> receivers = new ArrayList<>();
        try {
            for (int c = 0; c < channels; c++) {
                receivers.add(new Loopback.Receiver(method, c, PAGE, image, senders.get(c).packets));
            }
            boolean more = true;
            while (more) {
                more = false;
                for (Loopback.Receiver r : receivers) {
                    more |= r.step();
                }
            }
        } finally {
            for (Loopback.Receiver r : receivers) {
                r.close();
            }
        }
        for (int slot = 0; slot < slots; slot++) {
            List<byte[]> pages = expected.get(slot);
            for (int i = 0; i < pages.size(); i++) {
                assertThat(Loopback.readPage(image, ((long) slot * CAPACITY + i) * PAGE))
                        .as("slot %d page %d", slot, i).isEqualTo(pages.get(i));
            }
        }
    }
}
