/**
 * The {@code multifd} command line.
 *
 * @since 0.1
 */
module io.multifd.cli {
    requires io.multifd.core;
    requires info.picocli;
    requires java.logging;

    opens io.multifd.cli to info.picocli;
}
