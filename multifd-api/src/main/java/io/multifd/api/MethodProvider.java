package io.multifd.api;

import java.util.List;

/**
 * A compression method as the registry finds it through {@link java.util.ServiceLoader}: a cheap
 * factory (rule 1.2) that describes the method and creates it for one transfer.
 *
 * <p>Register it twice so both deployments find it: {@code provides io.multifd.api.MethodProvider
 * with ...} in {@code module-info.java} and a line in
 * {@code META-INF/services/io.multifd.api.MethodProvider}.
 *
 * @implNote The constructor must be public, take no arguments and do nothing that can fail: no
 *           native loading, no I/O. Do that work in {@link #availability()} (once, cached) or in
 *           {@link #create(MethodSettings)}.
 * @since 0.1
 */
public interface MethodProvider {

    /**
     * The method's name, as users and peers name it (rule 4.1).
     *
     * @return a name matching {@code [a-z][a-z0-9-]{0,31}}, e.g. {@code "zstd"}
     */
    String name();

    /**
     * The value this method writes into the compression field of every RAM packet (rule 1.6).
     *
     * @return the flag
     */
    MethodFlag flag();

    /**
     * The contract version the method was compiled against (rule 4.2). Implement it as
     * {@code return MultifdApi.API_VERSION;}: the constant is inlined at compile time, so the
     * registry can tell a method built for another contract and name both versions.
     *
     * @return the API version at compile time
     */
    int apiVersion();

    /**
     * The method's own version. By default the {@code Implementation-Version} of its jar.
     *
     * @return a version string, or {@code "unknown"}
     */
    default String version() {
        String v = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    /**
     * Whether this method can work on this machine. Called by the registry at discovery; must not
     * throw and should cache its answer.
     *
     * @return by default {@link Availability#full()}
     */
    default Availability availability() {
        return Availability.full();
    }

    /**
     * The settings the method accepts, such as {@code level}.
     *
     * @return by default none
     */
    default List<MethodParameter> parameters() {
        return List.of();
    }

    /**
     * Creates the method for one transfer. The same instance serves every channel, in both
     * directions, from several threads at once: per-channel state lives in the channels' state
     * slots, never in fields of the instance (rule 1.1).
     *
     * @param settings values checked against {@link #parameters()} (rule 4.3)
     * @return the method
     * @throws MultifdException when the method cannot work with these settings here
     */
    MultifdMethod create(MethodSettings settings) throws MultifdException;
}
