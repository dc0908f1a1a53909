/**
 * The {@code multifd} command line.
 *
 * @since 0.1
 */
module io.multifd.cli {
    requires io.multifd.core;
    requires info.picocli;
    // conformance: the kit, run through the JUnit Platform launcher (the jqwik engine is bound as a service)
    requires io.multifd.tck;
    requires java.logging;
    requires java.management;

    opens io.multifd.cli to info.picocli;
}
