package io.multifd.core.qemu.live;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link QemuSender} streams a migration.
 *
 * @param connectTimeout how long each connection may take to open
 * @param idleTimeout    how long the destination may take no byte on any connection before the
 *                       send fails (a QEMU destination stops reading after a packet error)
 * @param waitClose      after the last byte, how long to wait for the destination to close the
 *                       main connection (which QEMU does once it has loaded the stream); zero: do
 *                       not wait
 * @since 0.1
 */
public record SendOptions(Duration connectTimeout, Duration idleTimeout, Duration waitClose) {

    /**
     * Checks the values.
     *
     * @param connectTimeout connect timeout
     * @param idleTimeout    idle timeout
     * @param waitClose      wait for close
     */
    public SendOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(waitClose, "waitClose");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || idleTimeout.isNegative()
                || idleTimeout.isZero() || waitClose.isNegative()) {
            throw new IllegalArgumentException("timeouts must be positive (waitClose may be 0)");
        }
    }

    /** @return 10 s to connect, 30 s idle timeout, 10 s to wait for the destination to close */
    public static SendOptions defaults() {
        return new SendOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }
}
