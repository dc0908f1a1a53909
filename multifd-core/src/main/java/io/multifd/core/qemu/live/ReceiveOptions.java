package io.multifd.core.qemu.live;

import io.multifd.api.MultifdApi;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * How {@link QemuReceiver} receives a migration from a QEMU source.
 *
 * @param listen        the address to listen on (port 0: any free port)
 * @param channels      the source's {@code multifd-channels}, 1..255
 * @param pageSize      the target page size (4096 on x86-64)
 * @param uuid          the UUID every init packet must carry (QEMU's {@code -uuid} of a
 *                      destination); empty: the channels must agree with each other
 * @param out           the folder to write
 * @param acceptTimeout how long to wait for the main connection and all multifd connections
 * @param idleTimeout   how long every connection may stay silent (and a channel may wait at a
 *                      sync point) before the run fails
 * @param deadline      when the whole run must have ended, if ever
 * @since 0.1
 */
public record ReceiveOptions(InetSocketAddress listen, int channels, int pageSize, Optional<UUID> uuid, Path out,
                             Duration acceptTimeout, Duration idleTimeout, Optional<Instant> deadline) {

    /**
     * Checks the values.
     *
     * @param listen        listen address
     * @param channels      channel count
     * @param pageSize      page size
     * @param uuid          expected UUID
     * @param out           output folder
     * @param acceptTimeout accept timeout
     * @param idleTimeout   idle timeout
     * @param deadline      deadline
     */
    public ReceiveOptions {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(deadline, "deadline");
        if (channels < 1 || channels > 255) {
            throw new IllegalArgumentException("channels must be 1..255, got " + channels);
        }
        MultifdApi.checkPageSize(pageSize);
        if (acceptTimeout.isNegative() || acceptTimeout.isZero()) {
            throw new IllegalArgumentException("accept timeout must be positive: " + acceptTimeout);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
    }

    /**
     * Options with the defaults: page size 4096, any UUID the channels agree on, 120 s to accept,
     * 60 s idle timeout, no deadline.
     *
     * @param listen   listen address
     * @param channels channel count
     * @param out      output folder
     * @return the options
     */
    public static ReceiveOptions of(InetSocketAddress listen, int channels, Path out) {
        return new ReceiveOptions(listen, channels, 4096, Optional.empty(), out, Duration.ofSeconds(120),
                Duration.ofSeconds(60), Optional.empty());
    }
}
