package io.multifd.core.registry;

import java.util.Objects;

/**
 * A provider the registry could not use: it failed to load, to construct, or to describe itself,
 * or what it declared breaks a rule. A problem never hides the other providers.
 *
 * @param location      the jar, directory or module it came from, or {@code "unknown location"}
 * @param providerClass the provider's class name, or {@code "unknown class"}
 * @param reason        what is wrong, as a sentence
 * @param cause         the underlying failure, or null
 * @since 0.1
 */
public record ProviderProblem(String location, String providerClass, String reason, Throwable cause) {

    /**
     * Checks the values.
     *
     * @param location      location
     * @param providerClass class
     * @param reason        reason
     * @param cause         cause
     */
    public ProviderProblem {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(providerClass, "providerClass");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return providerClass + " from " + location + ": " + reason;
    }
}
