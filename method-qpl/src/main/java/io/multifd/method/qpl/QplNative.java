package io.multifd.method.qpl;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The libqpl functions this method calls, bound with JNA direct mapping ({@link
 * Native#register(Class, NativeLibrary)}): every call is a plain JNI call, no interface proxy and
 * no argument conversion beyond the job pointer. Bound at most once per JVM, by {@link
 * QplLibrary}; calling a method before that throws {@link UnsatisfiedLinkError}.
 *
 * <p>Signatures follow {@code qpl/c_api/job.h} and {@code version.h} of libqpl 1.9:
 * {@code qpl_status} and {@code qpl_path_t} are C enums (32-bit ints), sizes are {@code uint32_t}.
 */
final class QplNative {

    private QplNative() {
    }

    /**
     * Binds the native methods of this class to a loaded library.
     *
     * @param library libqpl
     * @throws UnsatisfiedLinkError when a symbol is missing
     */
    static void bind(NativeLibrary library) {
        Native.register(QplNative.class, library);
    }

    /**
     * {@code qpl_status qpl_get_job_size(qpl_path_t, uint32_t *)}.
     *
     * @param path    a {@code qpl_path_t}
     * @param sizeOut one element receiving the size in bytes
     * @return the status
     */
    static native int qpl_get_job_size(int path, int[] sizeOut);

    /**
     * {@code qpl_status qpl_init_job(qpl_path_t, qpl_job *)}.
     *
     * @param path a {@code qpl_path_t}
     * @param job  memory of {@code qpl_get_job_size} bytes
     * @return the status
     */
    static native int qpl_init_job(int path, Pointer job);

    /**
     * {@code qpl_status qpl_execute_job(qpl_job *)}: runs the job to completion.
     *
     * @param job an initialised job
     * @return the status
     */
    static native int qpl_execute_job(Pointer job);

    /**
     * {@code qpl_status qpl_fini_job(qpl_job *)}: releases what the job holds inside libqpl.
     *
     * @param job an initialised job
     * @return the status
     */
    static native int qpl_fini_job(Pointer job);

    /**
     * {@code const char *qpl_get_library_version(void)}.
     *
     * @return the version, e.g. {@code "1.9.0"}
     */
    static native String qpl_get_library_version();
}
