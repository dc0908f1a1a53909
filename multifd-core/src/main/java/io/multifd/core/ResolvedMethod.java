package io.multifd.core;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;

import java.util.Map;
import java.util.Objects;

/**
 * A method ready for one transfer: its provider's name and flag, the created instance and the
 * checked settings both peers use.
 *
 * @param name     the method's name
 * @param flag     its wire flag
 * @param method   the instance serving every channel
 * @param settings the checked settings
 * @since 0.1
 */
public record ResolvedMethod(String name, MethodFlag flag, MultifdMethod method, MethodSettings settings) {

    /**
     * Checks arguments.
     *
     * @param name     name
     * @param flag     flag
     * @param method   instance
     * @param settings settings
     */
    public ResolvedMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flag, "flag");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(settings, "settings");
    }

    /**
     * Checks the requested settings against the provider's parameters and creates the method.
     *
     * @param provider  the provider
     * @param requested parameter values (may be empty: defaults)
     * @return the resolved method
     * @throws MultifdException for a bad setting, or when the method cannot be created; a
     *                          {@code RuntimeException} of the provider is reported as its bug
     */
    public static ResolvedMethod create(MethodProvider provider, Map<String, String> requested)
            throws MultifdException {
        MethodSettings settings = MethodSettings.resolve(provider.name(), provider.parameters(), requested);
        MultifdMethod method;
        try {
            method = provider.create(settings);
        } catch (MultifdException e) {
            throw e.withContext(provider.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET);
        } catch (RuntimeException | LinkageError e) {
            throw new MultifdException(provider.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                    null, "provider " + provider.getClass().getName() + " failed to create the method: " + e, e);
        }
        if (method == null) {
            throw new MultifdException(provider.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                    null, "provider " + provider.getClass().getName() + " returned no method from create()", null);
        }
        return new ResolvedMethod(provider.name(), provider.flag(), method, settings);
    }

    @Override
    public String toString() {
        return settings.asMap().isEmpty() ? name : name + settings;
    }
}
