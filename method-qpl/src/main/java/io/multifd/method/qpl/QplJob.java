package io.multifd.method.qpl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.multifd.method.qpl.QplJobLayout.AVAILABLE_IN;
import static io.multifd.method.qpl.QplJobLayout.AVAILABLE_OUT;
import static io.multifd.method.qpl.QplJobLayout.FLAGS;
import static io.multifd.method.qpl.QplJobLayout.FLAG_FIRST;
import static io.multifd.method.qpl.QplJobLayout.FLAG_LAST;
import static io.multifd.method.qpl.QplJobLayout.FLAG_OMIT_VERIFY;
import static io.multifd.method.qpl.QplJobLayout.LEVEL;
import static io.multifd.method.qpl.QplJobLayout.LEVEL_1;
import static io.multifd.method.qpl.QplJobLayout.NEXT_IN_PTR;
import static io.multifd.method.qpl.QplJobLayout.NEXT_OUT_PTR;
import static io.multifd.method.qpl.QplJobLayout.OP;
import static io.multifd.method.qpl.QplJobLayout.OP_COMPRESS;
import static io.multifd.method.qpl.QplJobLayout.OP_DECOMPRESS;
import static io.multifd.method.qpl.QplJobLayout.TOTAL_IN;
import static io.multifd.method.qpl.QplJobLayout.TOTAL_OUT;

/**
 * One libqpl job: {@code qpl_get_job_size} bytes of native memory, initialised once for a path
 * with {@code qpl_init_job} and reused for every page, finished with {@code qpl_fini_job} by
 * {@link #close()}. The job's fields are written through a native-order {@link ByteBuffer} view,
 * so a page costs one JNI call ({@code qpl_execute_job}). Not thread-safe: one per channel.
 */
final class QplJob implements AutoCloseable {

    private final NativeBuffer memory;
    private final ByteBuffer fields;
    private final boolean hardware;
    private boolean open;

    private QplJob(NativeBuffer memory, boolean hardware) {
        this.memory = memory;
        this.fields = memory.slice(0, memory.capacity()).order(ByteOrder.nativeOrder());
        this.hardware = hardware;
        this.open = true;
    }

    /**
     * Allocates and initialises a job. libqpl must be bound ({@link QplLibrary}).
     *
     * @param path {@link QplJobLayout#PATH_HARDWARE} or {@link QplJobLayout#PATH_SOFTWARE}
     * @return the job
     * @throws QplStatusException when libqpl refuses the path (no IAA device: status 501)
     */
    static QplJob create(int path) throws QplStatusException {
        String pathName = path == QplJobLayout.PATH_HARDWARE ? "qpl_path_hardware" : "qpl_path_software";
        int[] size = new int[1];
        int status = QplNative.qpl_get_job_size(path, size);
        if (status != QplJobLayout.STS_OK) {
            throw new QplStatusException("qpl_get_job_size(" + pathName + ")", status);
        }
        if (size[0] < QplJobLayout.SIZEOF) {
            throw new QplStatusException("qpl_get_job_size(" + pathName + ") gave " + size[0]
                    + " bytes, less than sizeof(qpl_job) = " + QplJobLayout.SIZEOF + " of the libqpl 1.9 headers");
        }
        NativeBuffer memory = new NativeBuffer(size[0]);
        status = QplNative.qpl_init_job(path, memory.pointer());
        if (status != QplJobLayout.STS_OK) {
            memory.close();
            throw new QplStatusException("qpl_init_job(" + pathName + ")", status);
        }
        return new QplJob(memory, path == QplJobLayout.PATH_HARDWARE);
    }

    /** @return whether this job runs on the hardware path */
    boolean hardware() {
        return hardware;
    }

    /**
     * Compresses one page as QEMU does: raw deflate, FIRST|LAST, OMIT_VERIFY, level 1.
     *
     * @param src    address of the input
     * @param srcLen input bytes
     * @param dst    address of the output
     * @param dstCap output limit
     * @return the status; on {@code QPL_STS_OK} {@link #totalOut()} is the compressed length
     */
    int compress(long src, int srcLen, long dst, int dstCap) {
        prepare(OP_COMPRESS, FLAG_FIRST | FLAG_LAST | FLAG_OMIT_VERIFY, src, srcLen, dst, dstCap);
        return QplNative.qpl_execute_job(memory.pointer());
    }

    /**
     * Decompresses one raw deflate stream (FIRST|LAST).
     *
     * @param src    address of the input
     * @param srcLen input bytes
     * @param dst    address of the output
     * @param dstCap output limit
     * @return the status; {@link #totalOut()} and {@link #totalIn()} tell what was produced and read
     */
    int decompress(long src, int srcLen, long dst, int dstCap) {
        prepare(OP_DECOMPRESS, FLAG_FIRST | FLAG_LAST, src, srcLen, dst, dstCap);
        return QplNative.qpl_execute_job(memory.pointer());
    }

    private void prepare(int op, int flags, long src, int srcLen, long dst, int dstCap) {
        if (!open) {
            throw new IllegalStateException("qpl job used after close");
        }
        fields.putLong(NEXT_IN_PTR, src);
        fields.putInt(AVAILABLE_IN, srcLen);
        fields.putInt(TOTAL_IN, 0);
        fields.putLong(NEXT_OUT_PTR, dst);
        fields.putInt(AVAILABLE_OUT, dstCap);
        fields.putInt(TOTAL_OUT, 0);
        fields.putInt(OP, op);
        fields.putInt(FLAGS, flags);
        fields.putInt(LEVEL, LEVEL_1);
    }

    /** @return {@code total_out} of the last job */
    int totalOut() {
        return fields.getInt(TOTAL_OUT);
    }

    /** @return {@code total_in} of the last job */
    int totalIn() {
        return fields.getInt(TOTAL_IN);
    }

    /** Finishes the job and frees its memory; harmless when repeated. */
    @Override
    public void close() {
        if (open) {
            open = false;
            QplNative.qpl_fini_job(memory.pointer());
            memory.close();
        }
    }
}
