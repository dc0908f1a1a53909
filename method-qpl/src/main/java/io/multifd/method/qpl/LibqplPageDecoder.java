package io.multifd.method.qpl;

import io.multifd.api.ChannelContext;
import io.multifd.api.MultifdException;

import java.nio.ByteBuffer;

/**
 * The libqpl decoder, as QEMU's receiver: a FIRST|LAST decompress job per page with an output
 * limit of one page, on the hardware job when there is one (busy queues retried, then the software
 * job), else on the software job. A page libqpl cannot inflate to exactly one page goes to a
 * {@link JavaPageDecoder}, which accepts what it accepts (libqpl is stricter: it allows back
 * references of at most 4 KiB) and otherwise reports the fault; so both decoders accept the same
 * pages. Writes straight into direct, writable page buffers; other
 * destinations go through a native scratch page. libqpl ignores bytes after the end of a page's
 * deflate stream (its {@code total_in} counts its read-ahead, not the stream), and so does this
 * decoder.
 */
final class LibqplPageDecoder implements PageDecoder {

    private final int pageSize;
    private final QplJob hardware;
    private final QplJob software;
    private final JavaPageDecoder fallback;
    private NativeBuffer scratch;

    /**
     * @param pageSize the page size
     * @param hardware a hardware job, or null
     * @param software a software job
     */
    LibqplPageDecoder(int pageSize, QplJob hardware, QplJob software) {
        this.pageSize = pageSize;
        this.hardware = hardware;
        this.software = software;
        this.fallback = new JavaPageDecoder(pageSize);
    }

    @Override
    public void decode(ChannelContext channel, int index, NativeBuffer in, int offset, int len, ByteBuffer page,
                       QplCounters counters) throws MultifdException {
        boolean inPlace = page.isDirect() && !page.isReadOnly();
        long dst;
        if (inPlace) {
            dst = QplLibrary.address(page);
        } else {
            if (scratch == null) {
                scratch = new NativeBuffer(pageSize);
            }
            dst = scratch.address();
        }
        long src = in.address() + offset;
        QplJob job = software;
        int status = -1;
        if (hardware != null) {
            status = hardware.decompress(src, len, dst, pageSize);
            for (int retry = 0; status == QplJobLayout.STS_QUEUES_ARE_BUSY
                    && retry < LibqplPageEncoder.MAX_SUBMIT_RETRIES; retry++) {
                counters.hardwareRetries++;
                status = hardware.decompress(src, len, dst, pageSize);
            }
            if (status == QplJobLayout.STS_OK) {
                job = hardware;
            } else {
                counters.hardwareFallbacks++;
            }
        }
        if (job == software) {
            status = software.decompress(src, len, dst, pageSize);
        }
        int produced = job.totalOut();
        if (status != QplJobLayout.STS_OK || produced != pageSize) {
            // libqpl refuses more than it must (e.g. back references beyond its 4 KiB history, which
            // other deflate encoders use in pages over 4 KiB): java.util.zip decides, and names the fault
            fallback.decode(channel, index, in, offset, len, page, counters);
            return;
        }
        if (!inPlace) {
            page.duplicate().put(scratch.slice(0, pageSize));
        }
        if (job == hardware) {
            counters.hardwarePages++;
        } else {
            counters.softwarePages++;
        }
    }

    @Override
    public void close() {
        if (hardware != null) {
            hardware.close();
        }
        software.close();
        fallback.close();
        if (scratch != null) {
            scratch.close();
        }
    }
}
