package io.multifd.core.qemu.live;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * How {@link Transcoder} re-encodes a recorded migration.
 *
 * @param channels the multifd channel count of the output; empty: the source's
 * @param uuid     the UUID of the output's init packets (the destination's {@code -uuid}); empty:
 *                 the source's
 * @since 0.1
 */
public record TranscodeOptions(OptionalInt channels, Optional<UUID> uuid) {

    /**
     * Checks the values.
     *
     * @param channels channel count
     * @param uuid     uuid
     */
    public TranscodeOptions {
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(uuid, "uuid");
        if (channels.isPresent() && (channels.getAsInt() < 1 || channels.getAsInt() > 255)) {
            throw new IllegalArgumentException("channels must be 1..255, got " + channels.getAsInt());
        }
    }

    /** @return the defaults: the source's channel count and UUID */
    public static TranscodeOptions defaults() {
        return new TranscodeOptions(OptionalInt.empty(), Optional.empty());
    }
}
