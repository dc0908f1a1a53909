package io.multifd.core.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing and behaviour settings of one transfer, the same type on both peers.
 *
 * @param ioTimeout       how long one read or write on a connection may make no progress before
 *                        the {@link Watchdog} closes it and the transfer fails; also the stall
 *                        timeout of the destination's sync barrier and of connection set-up.
 *                        {@link Duration#ZERO} disables it (not recommended: a stalled peer then
 *                        hangs the transfer). On the destination it also bounds the idle time of
 *                        a data channel, so it must exceed the caller's pause between two passes
 * @param finishTimeout   how long the source waits, after its last byte, for the destination's
 *                        verdict (the destination verifies every page and flushes its files first)
 * @param endGrace        how long the destination waits for the end-of-transfer record after a
 *                        data channel closed cleanly at a packet boundary before it calls the
 *                        close premature
 * @param detectZero      whether the source lists zero pages instead of sending them (QEMU's
 *                        default {@code zero-page-detection=multifd})
 * @since 0.1
 */
public record EngineOptions(Duration ioTimeout, Duration finishTimeout, Duration endGrace, boolean detectZero) {

    /** Defaults: 30 s I/O timeout, 10 min finish timeout, 5 s end grace, zero detection on. */
    public static final EngineOptions DEFAULTS =
            new EngineOptions(Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(5), true);

    /**
     * Checks the values.
     *
     * @param ioTimeout     I/O timeout, zero = none
     * @param finishTimeout finish timeout, zero = none
     * @param endGrace      end grace
     * @param detectZero    zero-page detection
     */
    public EngineOptions {
        Objects.requireNonNull(ioTimeout, "ioTimeout");
        Objects.requireNonNull(finishTimeout, "finishTimeout");
        Objects.requireNonNull(endGrace, "endGrace");
        if (ioTimeout.isNegative() || finishTimeout.isNegative() || endGrace.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /**
     * @param timeout the new I/O timeout
     * @return a copy with that I/O timeout
     */
    public EngineOptions withIoTimeout(Duration timeout) {
        return new EngineOptions(timeout, finishTimeout, endGrace, detectZero);
    }

    /**
     * @param timeout the new finish timeout
     * @return a copy with that finish timeout
     */
    public EngineOptions withFinishTimeout(Duration timeout) {
        return new EngineOptions(ioTimeout, timeout, endGrace, detectZero);
    }

    /**
     * @param grace the new end grace
     * @return a copy with that end grace
     */
    public EngineOptions withEndGrace(Duration grace) {
        return new EngineOptions(ioTimeout, finishTimeout, grace, detectZero);
    }

    /**
     * @param detect whether to detect zero pages
     * @return a copy with that setting
     */
    public EngineOptions withDetectZero(boolean detect) {
        return new EngineOptions(ioTimeout, finishTimeout, endGrace, detect);
    }

    /** @return the I/O timeout in nanoseconds, or {@link Long#MAX_VALUE} when disabled */
    long ioTimeoutNanos() {
        return ioTimeout.isZero() ? Long.MAX_VALUE : ioTimeout.toNanos();
    }
}
