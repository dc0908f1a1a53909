package io.multifd.core.engine;

import io.multifd.api.MethodProvider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A method the source is willing to use, with the parameter values asked for (e.g.
 * {@code level=3}); unset parameters take the method's defaults.
 *
 * @param provider   the provider, from the source's registry
 * @param parameters requested values
 * @since 0.1
 */
public record MethodChoice(MethodProvider provider, Map<String, String> parameters) {

    /**
     * Checks and copies.
     *
     * @param provider   provider
     * @param parameters parameters
     */
    public MethodChoice {
        Objects.requireNonNull(provider, "provider");
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * A choice with default parameters.
     *
     * @param provider the provider
     * @return the choice
     */
    public static MethodChoice of(MethodProvider provider) {
        return new MethodChoice(provider, Map.of());
    }
}
