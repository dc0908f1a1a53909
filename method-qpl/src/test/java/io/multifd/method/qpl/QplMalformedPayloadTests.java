package io.multifd.method.qpl;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Malformed qpl payloads, crafted packet by packet, end in the project exception naming the field
 * at fault, with either decoder: never an assert, a crash or a JVM abort (QEMU's P-QPL-1).
 */
class QplMalformedPayloadTests {

    private static final int PAGE = 4096;
    private static final byte[] TEXT = PageKind.TEXT.page(PAGE, 7);

    private static ResolvedMethod decoder(String path) throws MultifdException {
        return QplTestSupport.resolve(path.equals("java") ? new QplMethodProvider() : QplTestSupport.libqplProvider(),
                path);
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(1, true);
        try {
            d.setInput(data);
            d.finish();
            byte[] out = new byte[data.length * 2 + 64];
            int n = d.deflate(out);
            assertThat(d.finished()).isTrue();
            return Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }

    private static MultifdException receiveFails(String path, int pages, int nextPacketSize, byte[] payload)
            throws MultifdException {
        byte[] packet = QplTestSupport.packet(PAGE, pages, nextPacketSize, payload);
        ResolvedMethod method = decoder(path);
        Throwable[] thrown = new Throwable[1];
        assertThatThrownBy(() -> QplTestSupport.receive(method, PAGE, pages, packet))
                .isInstanceOf(MultifdException.class)
                .satisfies(t -> thrown[0] = t);
        MultifdException e = (MultifdException) thrown[0];
        assertThat(e.method()).hasValue("qpl");
        assertThat(e.channel()).hasValue(0);
        assertThat(e.packet()).hasValue(1);
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aValidPacketDecodes(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] raw = PageKind.RANDOM.page(PAGE, 3);
        byte[] payload = QplTestSupport.payload(new int[] {c.length, PAGE}, c, raw);
        QplTestSupport.Decoded d = QplTestSupport.receive(decoder(path), PAGE, 2,
                QplTestSupport.packet(PAGE, 2, payload.length, payload));
        assertThat(d.page(0)).isEqualTo(TEXT);
        assertThat(d.page(1)).isEqualTo(raw);
        assertThat(d.counters()).containsEntry("raw_pages", 1L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aLengthAboveThePageSize(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] payload = QplTestSupport.payload(new int[] {c.length, PAGE + 1}, c, new byte[PAGE + 1]);
        MultifdException e = receiveFails(path, 2, 8 + c.length + 100, payload);
        assertThat(e.field()).hasValue("len[1]");
        assertThat(e.detail()).isEqualTo("is 4097, more than the page size 4096");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aLengthWithTheTopBitSet(String path) throws MultifdException {
        byte[] payload = QplTestSupport.payload(new int[] {0x80000010}, new byte[16]);
        MultifdException e = receiveFails(path, 1, payload.length, payload);
        assertThat(e.field()).hasValue("len[0]");
        assertThat(e.detail()).isEqualTo("is 2147483664, more than the page size 4096");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aZeroLength(String path) throws MultifdException {
        byte[] payload = QplTestSupport.payload(new int[] {PAGE, 0}, new byte[PAGE]);
        MultifdException e = receiveFails(path, 2, payload.length, payload);
        assertThat(e.field()).hasValue("len[1]");
        assertThat(e.detail()).isEqualTo("is 0; a page has 1 to 4096 bytes of data");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aTableSumBelowNextPacketSize(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] payload = QplTestSupport.payload(new int[] {c.length, PAGE}, c, new byte[PAGE], new byte[1]);
        MultifdException e = receiveFails(path, 2, payload.length, payload);
        assertThat(e.field()).hasValue("next_packet_size");
        assertThat(e.detail()).isEqualTo("is " + payload.length + ", but the length table of 2 pages says 8 + "
                + (c.length + PAGE) + " = " + (8 + c.length + PAGE) + " bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aTableSumAboveNextPacketSize(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] payload = QplTestSupport.payload(new int[] {c.length, PAGE}, c, new byte[PAGE - 1]);
        MultifdException e = receiveFails(path, 2, payload.length, payload);
        assertThat(e.field()).hasValue("next_packet_size");
        assertThat(e.detail()).contains("but the length table of 2 pages says 8 + " + (c.length + PAGE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aPayloadTooShortForItsTable(String path) throws MultifdException {
        MultifdException e = receiveFails(path, 3, 11, new byte[11]);
        assertThat(e.field()).hasValue("next_packet_size");
        assertThat(e.detail()).isEqualTo("is 11, too small for the length table of 3 normal pages (12 bytes)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aPageInflatingToMoreThanAPage(String path) throws MultifdException {
        byte[] c = deflate(Arrays.copyOf(TEXT, PAGE + 1));
        byte[] payload = QplTestSupport.payload(new int[] {PAGE, c.length}, new byte[PAGE], c);
        MultifdException e = receiveFails(path, 2, payload.length, payload);
        assertThat(e.field()).hasValue("page[1]");
        assertThat(e.detail()).isEqualTo("its " + c.length + " bytes of raw deflate inflate to more than the page size 4096");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aPageInflatingToLessThanAPage(String path) throws MultifdException {
        byte[] c = deflate(Arrays.copyOf(TEXT, PAGE - 1));
        byte[] payload = QplTestSupport.payload(new int[] {c.length}, c);
        MultifdException e = receiveFails(path, 1, payload.length, payload);
        assertThat(e.field()).hasValue("page[0]");
        assertThat(e.detail()).isEqualTo("its " + c.length + " bytes of raw deflate inflate to 4095 bytes, "
                + "expected the page size 4096");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aPageThatIsNotDeflate(String path) throws MultifdException {
        byte[] junk = new byte[64];
        Arrays.fill(junk, (byte) 0xFF); // BFINAL=1, BTYPE=11: a reserved block type
        byte[] payload = QplTestSupport.payload(new int[] {junk.length}, junk);
        MultifdException e = receiveFails(path, 1, payload.length, payload);
        assertThat(e.field()).hasValue("page[0]");
        assertThat(e.detail()).startsWith("its 64 bytes are not valid raw deflate data (invalid block type)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void aTruncatedPage(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] cut = Arrays.copyOf(c, c.length / 2);
        byte[] payload = QplTestSupport.payload(new int[] {cut.length}, cut);
        MultifdException e = receiveFails(path, 1, payload.length, payload);
        assertThat(e.field()).hasValue("page[0]");
    }

    /** libqpl, and so QEMU's receiver, ignores bytes after a page's deflate stream; so do both decoders. */
    @ParameterizedTest
    @ValueSource(strings = {"software", "java"})
    void bytesAfterTheEndOfAPagesDeflateStreamAreIgnoredAsLibqplDoes(String path) throws MultifdException {
        byte[] c = deflate(TEXT);
        byte[] padded = Arrays.copyOf(c, c.length + 3);
        Arrays.fill(padded, c.length, padded.length, (byte) 0xA5);
        byte[] payload = QplTestSupport.payload(new int[] {padded.length, PAGE}, padded, TEXT);
        QplTestSupport.Decoded d = QplTestSupport.receive(decoder(path), PAGE, 2,
                QplTestSupport.packet(PAGE, 2, payload.length, payload));
        assertThat(d.page(0)).isEqualTo(TEXT);
        assertThat(d.page(1)).isEqualTo(TEXT);
    }
}
