package io.multifd.api;

/**
 * What every hook sees of its channel, in both directions. Implemented by the framework only; a
 * method never implements it.
 *
 * @since 0.1
 */
public interface ChannelContext {

    /** @return the channel id, {@code 0..channels-1} */
    int id();

    /** @return the page size in bytes, the same on both peers */
    int pageSize();

    /** @return the most pages one packet holds: {@code 524288 / pageSize} */
    int packetCapacity();

    /** @return the method's checked settings for this transfer */
    MethodSettings settings();

    /**
     * The method-owned state slot of this channel and direction.
     *
     * @return what the method stored, or null
     */
    Object state();

    /**
     * The state slot, typed.
     *
     * @param type the class the method stored
     * @param <T>  its type
     * @return the state
     * @throws IllegalStateException when the slot is empty or holds another type (a framework or
     *                               method bug, never bad input)
     */
    default <T> T state(Class<T> type) {
        Object s = state();
        if (!type.isInstance(s)) {
            throw new IllegalStateException("channel " + id() + ": state slot holds "
                    + (s == null ? "nothing" : s.getClass().getName()) + ", expected " + type.getName());
        }
        return type.cast(s);
    }

    /**
     * Stores the method's state for this channel and direction; {@code null} empties the slot,
     * which cleanup must do (rule 1.5).
     *
     * @param state the state
     */
    void setState(Object state);

    /**
     * The packet number of the packet being built or decoded, or
     * {@link MultifdException#NO_PACKET} in setup and cleanup.
     *
     * @return the packet number
     */
    long packetNumber();

    /**
     * An exception naming the method, this channel, the current packet and the field at fault
     * (rule 1.3).
     *
     * @param field  the field or part at fault, e.g. {@code "payload"} or {@code "len[3]"}
     * @param detail what is wrong, as a sentence
     * @return the exception, to throw
     */
    MultifdException failure(String field, String detail);

    /**
     * As {@link #failure(String, String)}, with a cause.
     *
     * @param field  the field or part at fault
     * @param detail what is wrong
     * @param cause  the underlying failure
     * @return the exception, to throw
     */
    MultifdException failure(String field, String detail, Throwable cause);
}
