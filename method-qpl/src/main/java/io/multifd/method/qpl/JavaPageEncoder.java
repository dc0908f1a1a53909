package io.multifd.method.qpl;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * The pure-Java encoder: {@code new Deflater(1, true)}, one finished raw deflate stream per page,
 * as the wire-format notes suggest for a Java sender. Its bytes differ from libqpl's, but every
 * qpl receiver inflates them to the same page.
 *
 * <p>libqpl's decompressor accepts back references of at most {@value #QPL_HISTORY} bytes (the IAA
 * history size), while zlib's window is 32 KiB. A page larger than that is therefore deflated in
 * {@value #QPL_HISTORY}-byte pieces separated by full flushes, which reset zlib's match history,
 * so QEMU's receiver can inflate it too. Each page is copied before it is deflated, because zlib
 * is not safe against input that changes during a call (P-ZLIB-1, rule 2.7).
 */
final class JavaPageEncoder implements PageEncoder {

    /** The longest back reference libqpl inflates. */
    static final int QPL_HISTORY = 4096;

    private final int pageSize;
    private final byte[] snapshot;
    private final Deflater deflater = new Deflater(1, true);

    /**
     * @param pageSize the page size
     */
    JavaPageEncoder(int pageSize) {
        this.pageSize = pageSize;
        this.snapshot = new byte[pageSize];
    }

    @Override
    public int encode(ByteBuffer page, NativeBuffer out, int offset, QplCounters counters) {
        page.duplicate().get(snapshot, 0, pageSize);
        deflater.reset();
        ByteBuffer dst = out.slice(offset, pageSize - 1);
        for (int at = 0; at < pageSize; at += QPL_HISTORY) {
            int n = Math.min(QPL_HISTORY, pageSize - at);
            deflater.setInput(snapshot, at, n);
            if (at + n < pageSize) {
                deflater.deflate(dst, Deflater.FULL_FLUSH);
                if (!dst.hasRemaining()) {
                    return RAW; // the flush may be incomplete and the page is not done: it cannot fit
                }
            } else {
                deflater.finish();
                while (!deflater.finished() && dst.hasRemaining()) {
                    deflater.deflate(dst);
                }
            }
        }
        if (!deflater.finished()) {
            return RAW;
        }
        counters.javaPages++;
        return dst.position();
    }

    @Override
    public void close() {
        deflater.end();
    }
}
