package io.multifd.core.registry;

import io.multifd.api.MultifdException;

/**
 * The requested method is not known here, or cannot work in the requested direction on this
 * machine. Callers such as the CLI tell it apart from malformed input (a different exit code).
 *
 * @since 0.1
 */
public class MethodUnavailableException extends MultifdException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure naming the method.
     *
     * @param method the method's name, or null when only a flag is known
     * @param detail what is missing, as a sentence
     */
    public MethodUnavailableException(String method, String detail) {
        super(method, NO_CHANNEL, NO_PACKET, null, detail, null);
    }
}
