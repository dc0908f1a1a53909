package io.multifd.method.qpl;

import io.multifd.api.ChannelContext;
import io.multifd.api.MultifdException;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static io.multifd.method.qpl.PageDecoder.pageField;

/**
 * The pure-Java decoder: {@code new Inflater(true)} (raw deflate), reset for every page, so
 * nothing carries over between pages. Works without libqpl. Bytes after the end of a page's
 * deflate stream are ignored, as libqpl (QEMU's receiver) ignores them, so both decoders accept
 * the same pages.
 */
final class JavaPageDecoder implements PageDecoder {

    private final int pageSize;
    private final Inflater inflater = new Inflater(true);
    private final byte[] probe = new byte[1];

    /**
     * @param pageSize the page size
     */
    JavaPageDecoder(int pageSize) {
        this.pageSize = pageSize;
    }

    @Override
    public void decode(ChannelContext channel, int index, NativeBuffer in, int offset, int len, ByteBuffer page,
                       QplCounters counters) throws MultifdException {
        ByteBuffer dst = page.duplicate(); // spans the page: position..limit (API rule 2.9)
        int start = dst.position();
        inflater.reset();
        inflater.setInput(in.slice(offset, len));
        try {
            while (!inflater.finished() && dst.hasRemaining()) {
                if (inflater.inflate(dst) == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (!inflater.finished() && !dst.hasRemaining() && !inflater.needsInput()) {
                // the page is full; the stream must end here without another byte
                if (inflater.inflate(probe) > 0) {
                    throw channel.failure(pageField(index), "its " + len
                            + " bytes of raw deflate inflate to more than the page size " + pageSize);
                }
            }
        } catch (DataFormatException e) {
            throw channel.failure(pageField(index), "its " + len + " bytes are not valid raw deflate data ("
                    + e.getMessage() + ") after " + (dst.position() - start) + " bytes of output", e);
        }
        int produced = dst.position() - start;
        if (!inflater.finished()) {
            throw channel.failure(pageField(index), "its " + len + " bytes of raw deflate end before the deflate "
                    + "stream does, after " + produced + " of " + pageSize + " bytes");
        }
        if (produced != pageSize) {
            throw channel.failure(pageField(index), "its " + len + " bytes of raw deflate inflate to " + produced
                    + " bytes, expected the page size " + pageSize);
        }
        counters.javaPages++;
    }

    @Override
    public void close() {
        inflater.end();
    }
}
