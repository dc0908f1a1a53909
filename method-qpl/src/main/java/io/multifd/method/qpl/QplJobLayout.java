package io.multifd.method.qpl;

/**
 * The parts of libqpl's {@code qpl_job} struct ({@code qpl/c_api/job.h}) and constants
 * ({@code defs.h}, {@code status.h}) this method uses, for x86-64 (LP64).
 *
 * <p>The offsets were read with {@code offsetof} from the libqpl-dev 1.9.0 headers; {@code
 * scripts/provision-qpl.sh} writes them again into {@code .qpl/lib/qpl-job-layout.properties} at
 * every provisioning and a test compares the two. At run time {@link QplLibrary} checks the job
 * size and compresses and decompresses a probe page before it trusts a library.
 */
final class QplJobLayout {

    /** {@code sizeof(qpl_job)}: the least {@code qpl_get_job_size} may return. */
    static final int SIZEOF = 240;
    /** {@code uint8_t *next_in_ptr}. */
    static final int NEXT_IN_PTR = 0;
    /** {@code uint32_t available_in}. */
    static final int AVAILABLE_IN = 8;
    /** {@code uint32_t total_in}. */
    static final int TOTAL_IN = 12;
    /** {@code uint8_t *next_out_ptr}. */
    static final int NEXT_OUT_PTR = 16;
    /** {@code uint32_t available_out}. */
    static final int AVAILABLE_OUT = 24;
    /** {@code uint32_t total_out}. */
    static final int TOTAL_OUT = 28;
    /** {@code qpl_operation op}. */
    static final int OP = 32;
    /** {@code uint32_t flags}. */
    static final int FLAGS = 36;
    /** {@code qpl_compression_levels level}. */
    static final int LEVEL = 52;

    /** {@code qpl_path_auto}. */
    static final int PATH_AUTO = 0;
    /** {@code qpl_path_hardware}. */
    static final int PATH_HARDWARE = 1;
    /** {@code qpl_path_software}. */
    static final int PATH_SOFTWARE = 2;

    /** {@code qpl_op_decompress}. */
    static final int OP_DECOMPRESS = 0x00;
    /** {@code qpl_op_compress}. */
    static final int OP_COMPRESS = 0x01;

    /** {@code QPL_FLAG_FIRST}. */
    static final int FLAG_FIRST = 0x0001;
    /** {@code QPL_FLAG_LAST}. */
    static final int FLAG_LAST = 0x0002;
    /** {@code QPL_FLAG_OMIT_VERIFY}. */
    static final int FLAG_OMIT_VERIFY = 0x4000;

    /** {@code qpl_level_1} (= {@code qpl_default_level}). */
    static final int LEVEL_1 = 1;

    /** {@code QPL_STS_OK}. */
    static final int STS_OK = 0;
    /** {@code QPL_STS_MORE_OUTPUT_NEEDED}: the output limit was reached before the input ended. */
    static final int STS_MORE_OUTPUT_NEEDED = 2;
    /** {@code QPL_STS_QUEUES_ARE_BUSY_ERR}: the hardware work queues are full, submit again. */
    static final int STS_QUEUES_ARE_BUSY = 5;
    /** {@code QPL_STS_INIT_LIBACCEL_NOT_FOUND}: the hardware path's libaccel-config is missing. */
    static final int STS_INIT_LIBACCEL_NOT_FOUND = 501;

    private QplJobLayout() {
    }

    /**
     * A status as a short phrase for messages.
     *
     * @param status a {@code qpl_status}
     * @return e.g. {@code "status 501 (QPL_STS_INIT_LIBACCEL_NOT_FOUND)"}
     */
    static String describe(int status) {
        String name = switch (status) {
            case STS_OK -> "QPL_STS_OK";
            case 1 -> "QPL_STS_BEING_PROCESSED";
            case STS_MORE_OUTPUT_NEEDED -> "QPL_STS_MORE_OUTPUT_NEEDED";
            case STS_QUEUES_ARE_BUSY -> "QPL_STS_QUEUES_ARE_BUSY_ERR";
            case 50 -> "QPL_STS_NULL_PTR_ERR";
            case 54 -> "QPL_STS_PATH_ERR";
            case 101 -> "QPL_STS_NO_MEM_ERR";
            case 201 -> "QPL_STS_BIG_HEADER_ERR";
            case 211 -> "QPL_STS_BAD_LL_CODE_ERR";
            case 212 -> "QPL_STS_BAD_D_CODE_ERR";
            case 213 -> "QPL_STS_INVALID_BLOCK_TYPE";
            case 214 -> "QPL_STS_INVALID_STORED_LEN_ERR";
            case 215 -> "QPL_STS_BAD_EOF_ERR";
            case 216 -> "QPL_STS_BAD_LEN_ERR";
            case 217 -> "QPL_STS_BAD_DIST_ERR";
            case 218 -> "QPL_STS_REF_BEFORE_START_ERR";
            case 500 -> "QPL_STS_INIT_HW_NOT_SUPPORTED";
            case STS_INIT_LIBACCEL_NOT_FOUND -> "QPL_STS_INIT_LIBACCEL_NOT_FOUND";
            case 502 -> "QPL_STS_INIT_LIBACCEL_ERROR";
            case 503 -> "QPL_STS_INIT_WORK_QUEUES_NOT_AVAILABLE";
            default -> null;
        };
        return name == null ? "status " + status : "status " + status + " (" + name + ")";
    }
}
