package io.multifd.cli;

import picocli.CommandLine.Option;

/**
 * {@code -v/--verbose}, shared by every command: {@link Main} reads it from the parse result
 * before the command runs (log level) and when it fails (stack traces).
 */
public final class VerboseOption {

    @Option(names = {"-v", "--verbose"}, description = "Log details (discovery, negotiation, channels) and print "
            + "stack traces.")
    boolean verbose;

    /** Created by picocli. */
    public VerboseOption() {
    }
}
