package io.multifd.method.qpl;

/**
 * A libqpl call that returned a status other than {@code QPL_STS_OK} outside the per-page work,
 * e.g. a job that does not initialise. Converted into a {@link io.multifd.api.MultifdException}
 * by the hook that saw it.
 */
final class QplStatusException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param call   what was called, e.g. {@code "qpl_init_job(qpl_path_hardware)"}
     * @param status the status it returned
     */
    QplStatusException(String call, int status) {
        super(call + " returned " + QplJobLayout.describe(status));
        this.status = status;
    }

    /**
     * A failure that is not a status.
     *
     * @param message what went wrong, as a sentence
     */
    QplStatusException(String message) {
        super(message);
        this.status = -1;
    }

    /** @return the {@code qpl_status}, or -1 when the failure was not a status */
    int status() {
        return status;
    }
}
