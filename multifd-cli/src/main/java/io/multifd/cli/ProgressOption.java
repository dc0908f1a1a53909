package io.multifd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.Locale;

/** {@code --progress}, shared by the commands that move an image: send, receive, bench. */
public final class ProgressOption {

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress display: a bar on a terminal, plain lines otherwise (default: ${DEFAULT-VALUE}).")
    String progress;

    /** Created by picocli. */
    public ProgressOption() {
    }

    /**
     * The display chosen.
     *
     * @param cl the command, for usage errors
     * @return the mode
     * @throws CommandLine.ParameterException naming the value when it is none of the four
     */
    ProgressReporter.Mode mode(CommandLine cl) {
        try {
            return ProgressReporter.Mode.valueOf(progress.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--progress " + progress
                    + ": expected auto, bar, lines or none");
        }
    }
}
