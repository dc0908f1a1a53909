package io.multifd.core.engine;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One method the source offers in its hello, with what the destination needs to decide: the wire
 * flag, the versions and the parameter values (already checked by the source).
 *
 * @param name       the method's name
 * @param flag       its wire flag
 * @param apiVersion the contract version it was built against
 * @param version    its own version
 * @param parameters parameter values, defaults filled in
 * @since 0.1
 */
public record MethodOffer(String name, MethodFlag flag, int apiVersion, String version, Map<String, String> parameters) {

    /**
     * Checks and copies.
     *
     * @param name       name
     * @param flag       flag
     * @param apiVersion API version
     * @param version    version
     * @param parameters parameters
     */
    public MethodOffer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flag, "flag");
        Objects.requireNonNull(version, "version");
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * The offer for a provider with checked settings.
     *
     * @param provider   the provider
     * @param parameters the values (defaults filled in)
     * @return the offer
     */
    public static MethodOffer of(MethodProvider provider, Map<String, String> parameters) {
        return new MethodOffer(provider.name(), provider.flag(), provider.apiVersion(), provider.version(), parameters);
    }

    @Override
    public String toString() {
        return parameters.isEmpty() ? name : name + parameters;
    }
}
