package io.multifd.core.registry;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;

import java.util.List;
import java.util.Objects;

/**
 * A method the registry found and checked: what its provider declared, where it came from, and
 * the provider itself (a cheap factory, rule 1.2).
 *
 * @param name          the method's name, matching {@code [a-z][a-z0-9-]{0,31}}
 * @param flag          its wire flag
 * @param version       the method's own version
 * @param availability  whether it encodes and decodes here, and why not
 * @param parameters    the settings it accepts
 * @param providerClass the provider's class name
 * @param location      where the provider was loaded from: a jar or directory path, or a module
 * @param origin        how it was found
 * @param provider      the provider
 * @since 0.1
 */
public record DiscoveredMethod(String name, MethodFlag flag, String version, Availability availability,
                               List<MethodParameter> parameters, String providerClass, String location,
                               Origin origin, MethodProvider provider) {

    /** How a provider was found. */
    public enum Origin {
        /** A named module of the boot layer (or of a layer given to the registry). */
        MODULE_PATH,
        /** A {@code META-INF/services} entry on the class path. */
        CLASS_PATH,
        /** A jar of the plugins folder, loaded in its own layer or class loader. */
        PLUGIN;

        /** @return a lower-case label for listings, e.g. {@code "module path"} */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * Checks the values.
     *
     * @param name          name
     * @param flag          flag
     * @param version       version
     * @param availability  availability
     * @param parameters    parameters
     * @param providerClass class
     * @param location      location
     * @param origin        origin
     * @param provider      provider
     */
    public DiscoveredMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flag, "flag");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(availability, "availability");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(providerClass, "providerClass");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(provider, "provider");
    }

    /** @return whether this method can encode here */
    public boolean canEncode() {
        return availability.canEncode();
    }

    /** @return whether this method can decode here */
    public boolean canDecode() {
        return availability.canDecode();
    }

    @Override
    public String toString() {
        return name + " (flag " + flag + ", version " + version + ", " + availability + ", " + providerClass
                + " from " + location + ")";
    }
}
