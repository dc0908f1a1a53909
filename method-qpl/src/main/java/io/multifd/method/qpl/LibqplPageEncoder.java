package io.multifd.method.qpl;

import java.nio.ByteBuffer;

/**
 * The libqpl encoder, as QEMU 10.0's {@code multifd-qpl.c} does it: per page one job with
 * FIRST|LAST|OMIT_VERIFY, level 1, no zlib/gzip header, output limit {@code pageSize - 1}.
 *
 * <p>With a hardware job, a submission the busy work queues refuse is repeated up to
 * {@value #MAX_SUBMIT_RETRIES} times, then the page goes to the software job; a page the hardware
 * cannot compress into the limit, or fails on, goes raw. Pages in direct buffers are handed to
 * libqpl in place; others are first copied into a native scratch page.
 */
final class LibqplPageEncoder implements PageEncoder {

    /** Resubmissions of a page while the hardware queues are busy (QEMU's MAX_SUBMIT_RETRY_NUM). */
    static final int MAX_SUBMIT_RETRIES = 3;

    private final int pageSize;
    private final QplJob hardware;
    private final QplJob software;
    private NativeBuffer scratch;

    /**
     * @param pageSize the page size
     * @param hardware a hardware job, or null to use the software path only
     * @param software a software job
     */
    LibqplPageEncoder(int pageSize, QplJob hardware, QplJob software) {
        this.pageSize = pageSize;
        this.hardware = hardware;
        this.software = software;
    }

    @Override
    public int encode(ByteBuffer page, NativeBuffer out, int offset, QplCounters counters) {
        long src = source(page);
        long dst = out.address() + offset;
        int limit = pageSize - 1;
        if (hardware != null) {
            int status = hardware.compress(src, pageSize, dst, limit);
            for (int retry = 0; status == QplJobLayout.STS_QUEUES_ARE_BUSY && retry < MAX_SUBMIT_RETRIES; retry++) {
                counters.hardwareRetries++;
                status = hardware.compress(src, pageSize, dst, limit);
            }
            if (status == QplJobLayout.STS_OK) {
                return accept(hardware.totalOut(), counters, true);
            }
            if (status != QplJobLayout.STS_QUEUES_ARE_BUSY) {
                return RAW; // does not fit, or a hardware failure: QEMU sends such a page raw
            }
            counters.hardwareFallbacks++;
        }
        int status = software.compress(src, pageSize, dst, limit);
        return status == QplJobLayout.STS_OK ? accept(software.totalOut(), counters, false) : RAW;
    }

    private int accept(int len, QplCounters counters, boolean onHardware) {
        if (len <= 0 || len >= pageSize) {
            return RAW;
        }
        if (onHardware) {
            counters.hardwarePages++;
        } else {
            counters.softwarePages++;
        }
        return len;
    }

    private long source(ByteBuffer page) {
        if (page.isDirect()) {
            return QplLibrary.address(page);
        }
        if (scratch == null) {
            scratch = new NativeBuffer(pageSize);
        }
        scratch.view().duplicate().put(page.duplicate().limit(page.position() + pageSize));
        return scratch.address();
    }

    @Override
    public void close() {
        if (hardware != null) {
            hardware.close();
        }
        software.close();
        if (scratch != null) {
            scratch.close();
        }
    }
}
