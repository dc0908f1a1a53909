package io.multifd.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes the framework's {@link System.Logger} output (java.util.logging underneath) to stderr as
 * one short line per record: warnings only, everything with {@code --verbose}.
 */
final class CliLogging {

    private static final Logger ROOT = Logger.getLogger("io.multifd");

    private CliLogging() {
    }

    static synchronized void configure(boolean verbose) {
        for (var h : ROOT.getHandlers()) {
            ROOT.removeHandler(h);
        }
        ConsoleHandler h = new ConsoleHandler();
        h.setLevel(Level.ALL);
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String level = r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "";
                return "multifd: " + level + formatMessage(r) + System.lineSeparator();
            }
        });
        ROOT.addHandler(h);
        ROOT.setUseParentHandlers(false);
        ROOT.setLevel(verbose ? Level.FINE : Level.WARNING);
    }

    /**
     * Silences one logger below errors (a command that reports the same facts itself).
     *
     * @param name the logger
     */
    static void quiet(String name) {
        Logger l = Logger.getLogger(name);
        if (!l.isLoggable(Level.INFO)) {
            l.setLevel(Level.SEVERE);
        }
    }
}
