package io.multifd.core.engine;

import io.multifd.api.MultifdException;

/**
 * The hello was refused (by the destination, or by us as the destination): nothing was
 * transferred. The message gives the reason, naming both sides' values.
 *
 * @since 0.1
 */
public final class RefusedException extends MultifdException {

    private static final long serialVersionUID = 1L;

    /**
     * @param detail the sentence, e.g. {@code "the destination refused the transfer: page size mismatch: ..."}
     */
    public RefusedException(String detail) {
        super(detail);
    }
}
