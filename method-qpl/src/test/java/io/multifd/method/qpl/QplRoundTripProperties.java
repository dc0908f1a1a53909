package io.multifd.method.qpl;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Round trips through the real channel layer and cross-decoding between the engines: libqpl's
 * software path and the pure-Java encoder on the sending side; libqpl, {@code java.util.zip} and a
 * receiver without libqpl on the receiving side.
 */
@AddLifecycleHook(RequiresLibqpl.class)
class QplRoundTripProperties {

    /** Pages of one test: their size and content. */
    record PageSet(int pageSize, List<PageKind> kinds, List<byte[]> pages) {
        int normalPages() {
            return (int) kinds.stream().filter(k -> k != PageKind.ZERO).count();
        }

        @Override
        public String toString() {
            return pageSize + " x " + kinds;
        }
    }

    @Provide
    Arbitrary<PageSet> pageSets() {
        Arbitrary<Integer> sizes = Arbitraries.of(1024, 4096, 8192);
        Arbitrary<List<PageKind>> kinds = Arbitraries.of(PageKind.class).list().ofMinSize(1).ofMaxSize(300);
        return Combinators.combine(sizes, kinds, Arbitraries.longs()).as((size, ks, seed) -> {
            List<byte[]> pages = new ArrayList<>();
            for (int i = 0; i < ks.size(); i++) {
                pages.add(ks.get(i).page(size, seed + i));
            }
            return new PageSet(size, ks, pages);
        });
    }

    @Provide
    Arbitrary<Integer> bigAndSmallPages() {
        return Arbitraries.of(1024, 4096, 8192, 65536);
    }

    @Provide
    Arbitrary<String> encoders() {
        return Arbitraries.of("software", "auto", "java");
    }

    @Provide
    Arbitrary<String> decoders() {
        return Arbitraries.of("software", "java", "no-libqpl");
    }

    private static ResolvedMethod method(String path) throws MultifdException {
        if (path.equals("no-libqpl")) {
            return QplTestSupport.resolve(QplTestSupport.missingLibqplProvider(Path.of("/nonexistent/libqpl.so")),
                    "auto");
        }
        return QplTestSupport.resolve(QplTestSupport.libqplProvider(), path);
    }

    @Property(tries = 60)
    void everyEncoderRoundTripsThroughEveryDecoder(@ForAll("pageSets") PageSet set, @ForAll("encoders") String encoder,
                                                   @ForAll("decoders") String decoder, @ForAll boolean heapMemory)
            throws MultifdException {
        QplLibrary.Load lib = QplTestSupport.requireLibqpl();
        int n = set.pages().size();
        QplTestSupport.Encoded sent = QplTestSupport.send(method(encoder), set.pageSize(), heapMemory
                ? QplTestSupport.heapPages(set.pages()) : QplTestSupport.directPages(set.pages()));
        QplTestSupport.Decoded got = QplTestSupport.receive(method(decoder), set.pageSize(), n, sent.stream(),
                heapMemory);
        for (int i = 0; i < n; i++) {
            assertThat(got.page(i)).as("page %d (%s)", i, set.kinds().get(i)).isEqualTo(set.pages().get(i));
        }
        long normal = set.normalPages();
        Map<String, Long> tx = sent.counters();
        assertThat(tx.get("hardware_pages") + tx.get("software_pages") + tx.get("java_pages") + tx.get("raw_pages"))
                .as("send counters %s", tx).isEqualTo(normal);
        if (encoder.equals("java")) {
            assertThat(tx.get("software_pages") + tx.get("hardware_pages")).isZero();
        } else if (!lib.hardwareWorks()) {
            assertThat(tx.get("java_pages") + tx.get("hardware_pages")).isZero();
        }
        Map<String, Long> rx = got.counters();
        assertThat(rx.get("raw_pages")).as("receive counters %s, send counters %s", rx, tx)
                .isEqualTo(tx.get("raw_pages"));
        long inflated = normal - rx.get("raw_pages");
        assertThat(decoder.equals("software") ? rx.get("software_pages") + rx.get("hardware_pages")
                : rx.get("java_pages")).as("receive counters %s", rx).isEqualTo(inflated);
    }

    @Property(tries = 100)
    void libqplPagesInflateWithPlainInflater(@ForAll PageKind kind, @ForAll long seed) throws Exception {
        QplTestSupport.requireLibqpl();
        int pageSize = 4096;
        byte[] page = kind.page(pageSize, seed);
        try (LibqplPageEncoder encoder = new LibqplPageEncoder(pageSize, null, QplJob.create(QplJobLayout.PATH_SOFTWARE));
             NativeBuffer out = new NativeBuffer(pageSize)) {
            QplCounters counters = new QplCounters();
            int len = encoder.encode(QplTestSupport.direct(page), out, 0, counters);
            if (kind == PageKind.TEXT || kind == PageKind.REPEATED || kind == PageKind.SPARSE || kind == PageKind.ZERO) {
                assertThat(len).as("a %s page compresses", kind).isBetween(1, pageSize - 1);
            }
            if (kind == PageKind.RANDOM) {
                assertThat(len).as("a random page goes raw").isEqualTo(PageEncoder.RAW);
            }
            if (len != PageEncoder.RAW) {
                byte[] compressed = new byte[len];
                out.view().get(0, compressed);
                assertThat(inflate(compressed, pageSize)).isEqualTo(page);
                assertThat(counters.softwarePages).isEqualTo(1);
            }
        }
    }

    /**
     * Straight through libqpl's decompress, without the decoder's java.util.zip fallback: also for
     * pages over 4 KiB, where the encoder must keep back references within libqpl's 4 KiB history.
     */
    @Property(tries = 150)
    void javaEncoderPagesDecompressThroughLibqpl(@ForAll PageKind kind, @ForAll long seed,
                                                 @ForAll("bigAndSmallPages") int pageSize) throws Exception {
        QplTestSupport.requireLibqpl();
        byte[] page = kind.page(pageSize, seed);
        try (JavaPageEncoder encoder = new JavaPageEncoder(pageSize);
             QplJob job = QplJob.create(QplJobLayout.PATH_SOFTWARE);
             NativeBuffer out = new NativeBuffer(pageSize);
             NativeBuffer back = new NativeBuffer(pageSize)) {
            int len = encoder.encode(ByteBuffer.wrap(page).asReadOnlyBuffer(), out, 0, new QplCounters());
            if (len == PageEncoder.RAW) {
                assertThat(kind).isIn(PageKind.RANDOM, PageKind.HALF, PageKind.NIBBLES);
                return;
            }
            int status = job.decompress(out.address(), len, back.address(), pageSize);
            assertThat(status).as(QplJobLayout.describe(status)).isEqualTo(QplJobLayout.STS_OK);
            assertThat(job.totalOut()).isEqualTo(pageSize);
            assertThat(job.totalIn()).isEqualTo(len);
            byte[] got = new byte[pageSize];
            back.view().get(0, got);
            assertThat(got).isEqualTo(page);
        }
    }

    static byte[] inflate(byte[] compressed, int pageSize) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            byte[] out = new byte[pageSize + 16];
            int n = inflater.inflate(out);
            assertThat(inflater.finished()).as("the deflate stream ends").isTrue();
            assertThat(inflater.getRemaining()).as("no bytes after the stream").isZero();
            return Arrays.copyOf(out, n);
        } finally {
            inflater.end();
        }
    }
}
