package io.multifd.core.engine;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a source asks for in its hello.
 *
 * @param channels the number of data channels, {@code 1..255}
 * @param methods  the methods it offers, in preference order (one for an explicit choice, several
 *                 for {@code auto})
 * @param uuid     the transfer UUID
 * @param options  timing settings
 * @since 0.1
 */
public record SendRequest(int channels, List<MethodChoice> methods, UUID uuid, EngineOptions options) {

    /**
     * Checks and copies.
     *
     * @param channels channels
     * @param methods  methods
     * @param uuid     uuid
     * @param options  options
     */
    public SendRequest {
        if (channels < 1 || channels > ControlProtocol.MAX_CHANNELS) {
            throw new IllegalArgumentException("channel count " + channels + " is outside 1.."
                    + ControlProtocol.MAX_CHANNELS);
        }
        methods = List.copyOf(methods);
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("offer at least one method");
        }
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(options, "options");
    }

    /**
     * A request with a random UUID and default options.
     *
     * @param channels the channel count
     * @param methods  the methods, in preference order
     * @return the request
     */
    public static SendRequest of(int channels, List<MethodChoice> methods) {
        return new SendRequest(channels, methods, UUID.randomUUID(), EngineOptions.DEFAULTS);
    }

    /**
     * @param o the options
     * @return a copy with those options
     */
    public SendRequest withOptions(EngineOptions o) {
        return new SendRequest(channels, methods, uuid, o);
    }
}
