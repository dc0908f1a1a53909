package io.multifd.core.engine;

import io.multifd.api.MethodProvider;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * What a destination accepts in a {@link Hello}.
 *
 * @param methods     the methods of the destination's registry (the only ones that can be chosen;
 *                    a name from the peer never loads a class)
 * @param allowed     when present, only these method names may be chosen ({@code --methods})
 * @param pageSize    when present, the page size the source must use
 * @param channels    when present, the channel count the source must use
 * @param uuid        when present, the transfer UUID the source must send
 * @param maxChannels the most channels accepted, {@code 1..255}
 * @since 0.1
 */
public record ReceivePolicy(List<MethodProvider> methods, Optional<List<String>> allowed, OptionalInt pageSize,
                            OptionalInt channels, Optional<UUID> uuid, int maxChannels) {

    /**
     * Checks and copies.
     *
     * @param methods     methods
     * @param allowed     allowed names
     * @param pageSize    page size
     * @param channels    channels
     * @param uuid        uuid
     * @param maxChannels most channels
     */
    public ReceivePolicy {
        methods = List.copyOf(methods);
        allowed = allowed.map(List::copyOf);
        Objects.requireNonNull(pageSize, "pageSize");
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(uuid, "uuid");
        if (maxChannels < 1 || maxChannels > ControlProtocol.MAX_CHANNELS) {
            throw new IllegalArgumentException("maxChannels " + maxChannels + " is outside 1.."
                    + ControlProtocol.MAX_CHANNELS);
        }
    }

    /**
     * A policy that accepts any page size, channel count and UUID, and any of these methods.
     *
     * @param methods the destination's methods
     * @return the policy
     */
    public static ReceivePolicy of(List<MethodProvider> methods) {
        return new ReceivePolicy(methods, Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), ControlProtocol.MAX_CHANNELS);
    }

    /**
     * @param names the method names that may be chosen
     * @return a copy allowing only those
     */
    public ReceivePolicy withAllowed(List<String> names) {
        return new ReceivePolicy(methods, Optional.of(names), pageSize, channels, uuid, maxChannels);
    }

    /**
     * @param size the required page size
     * @return a copy requiring it
     */
    public ReceivePolicy withPageSize(int size) {
        return new ReceivePolicy(methods, allowed, OptionalInt.of(size), channels, uuid, maxChannels);
    }

    /**
     * @param count the required channel count
     * @return a copy requiring it
     */
    public ReceivePolicy withChannels(int count) {
        return new ReceivePolicy(methods, allowed, pageSize, OptionalInt.of(count), uuid, maxChannels);
    }

    /**
     * @param id the required transfer UUID
     * @return a copy requiring it
     */
    public ReceivePolicy withUuid(UUID id) {
        return new ReceivePolicy(methods, allowed, pageSize, channels, Optional.of(id), maxChannels);
    }

    /**
     * @param max the most channels accepted
     * @return a copy with that limit
     */
    public ReceivePolicy withMaxChannels(int max) {
        return new ReceivePolicy(methods, allowed, pageSize, channels, uuid, max);
    }
}
