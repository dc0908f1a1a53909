package io.multifd.method.zlib;

import static io.multifd.method.zlib.Loopback.CAPACITY;
import static io.multifd.method.zlib.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.method.zlib.Loopback.Kind;
import io.multifd.method.zlib.Loopback.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Damaged payloads end in a {@link MultifdException} or decode to something, never in another
 * exception (rule 1.3), and never write outside the packet's pages (rule 3.4). zlib has no
 * checksum in a never-finished stream, so a flipped bit may go unnoticed; truncation may not.
 */
class ZlibCorruptionProperties {

    private static final int PACKETS = 3;

    @Property(tries = 60)
    void aFlippedBitFailsCleanlyOrDecodesInPlace(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int packet,
                                                @ForAll @IntRange(min = 0, max = 1 << 20) int position,
                                                @ForAll @IntRange(min = 0, max = 7) int bit) throws MultifdException {
        ResolvedMethod method = Loopback.resolve(new ZlibMethodProvider(), Map.of());
        List<Packet> wire = stream(method, seed);
        byte[] p = wire.get(packet).payload().clone();
        p[position % p.length] ^= (byte) (1 << bit);
        wire.set(packet, wire.get(packet).withPayload(p));
        decodeCleanly(method, wire);
    }

    @Property(tries = 40)
    void aTruncatedPayloadFails(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int packet,
                                @ForAll @IntRange(min = 1, max = 1 << 20) int cut) throws MultifdException {
        ResolvedMethod method = Loopback.resolve(new ZlibMethodProvider(), Map.of());
        List<Packet> wire = stream(method, seed);
        byte[] p = wire.get(packet).payload();
        int keep = p.length - 1 - (cut % p.length);
        wire.set(packet, wire.get(packet).withPayload(java.util.Arrays.copyOf(p, keep)));
        assertThat(decodeCleanly(method, wire)).as("truncated to %d of %d bytes", keep, p.length).isTrue();
    }

    private static List<Packet> stream(ResolvedMethod method, long seed) throws MultifdException {
        Random rnd = new Random(seed);
        try (Loopback.Sender s = new Loopback.Sender(method, 0, PAGE, new AtomicLong())) {
            for (int k = 0; k < PACKETS; k++) {
                List<byte[]> pages = new ArrayList<>();
                int n = 1 + rnd.nextInt(6);
                for (int i = 0; i < n; i++) {
                    pages.add(Loopback.page(Kind.values()[1 + rnd.nextInt(Kind.values().length - 1)], rnd, PAGE));
                }
                s.send((long) k * CAPACITY * PAGE, Loopback.wrap(pages));
            }
            return new ArrayList<>(s.packets);
        }
    }

    /** @return whether decoding failed (with a MultifdException; anything else fails the property) */
    private static boolean decodeCleanly(ResolvedMethod method, List<Packet> wire) {
        MemoryImage image = Loopback.image(PAGE, (PACKETS + 1L) * CAPACITY);
        boolean failed;
        try {
            Loopback.receive(method, PAGE, image, wire);
            failed = false;
        } catch (MultifdException e) {
            assertThat(e.getMessage()).startsWith("method zlib, channel 0, packet ");
            failed = true;
        }
        // pages not listed by any packet stay untouched
        for (int k = 0; k <= PACKETS; k++) {
            int listed = k < PACKETS ? wire.get(k).normalPages() : 0;
            for (int i = listed; i < listed + 2 && i < CAPACITY; i++) {
                assertThat(Loopback.isZero(Loopback.readPage(image, ((long) k * CAPACITY + i) * PAGE))).isTrue();
            }
        }
        return failed;
    }
}
