/**
 * The conformance kit of multifd compression methods: {@link io.multifd.tck.MethodContract}, a
 * jqwik contract a method's tests implement with one small class, and
 * {@link io.multifd.tck.ConformanceRunner}, which runs it on any provider through the JUnit
 * Platform launcher and reports per rule; {@link io.multifd.tck.Loopback} helps with a method's
 * own tests. A test-scope artifact for method authors.
 *
 * @since 0.1
 */
module io.multifd.tck {
    requires transitive io.multifd.api;
    requires transitive net.jqwik.api;
    // transitive: Loopback, the helper for method-specific tests, hands out the core's channels and images
    requires transitive io.multifd.core;
    requires org.junit.platform.launcher;
    requires org.junit.platform.reporting;
    requires java.management;
    requires jdk.management;

    // the uniqueness and registration checks look for providers as the registry does
    uses io.multifd.api.MethodProvider;

    exports io.multifd.tck;
    // jqwik creates the contract classes and hooks reflectively
    opens io.multifd.tck;
}
