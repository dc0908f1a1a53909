package io.multifd.api;

/**
 * Hints a method may give for how its packets are written (QEMU's {@code p->write_flags}).
 *
 * @since 0.1
 */
public enum WriteFlag {
    /**
     * The payload buffers are not modified until the write completes, so the framework may skip
     * copying them (QEMU's zero-copy send). The framework may ignore it.
     */
    ZERO_COPY
}
