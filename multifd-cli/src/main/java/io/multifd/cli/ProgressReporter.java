package io.multifd.cli;

import io.multifd.core.engine.Progress;
import io.multifd.core.engine.TransferStats;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Shows a running transfer: a progress bar redrawn in place on a terminal, or a plain line every
 * few seconds otherwise (a log file, a pipe, a CI job).
 */
final class ProgressReporter implements AutoCloseable {

    /** How progress is shown. */
    enum Mode {
        /** A bar on a terminal ({@code System.console() != null}), lines otherwise. */
        AUTO,
        /** Always a bar. */
        BAR,
        /** Always plain lines. */
        LINES,
        /** Nothing. */
        NONE;

        Mode resolve() {
            return this == AUTO ? (System.console() != null ? BAR : LINES) : this;
        }
    }

    private static final int WIDTH = 30;

    private final String label;
    private final Supplier<Progress> source;
    private final Mode mode;
    private final PrintWriter err;
    private final int pageSize;
    private final long periodMs;
    private final Thread thread;
    private volatile boolean stop;
    private int lastLength;

    ProgressReporter(String label, Supplier<Progress> source, Mode mode, PrintWriter err, int pageSize,
                     long linePeriodMs) {
        this.label = label;
        this.source = source;
        this.mode = mode.resolve();
        this.err = err;
        this.pageSize = pageSize;
        this.periodMs = this.mode == Mode.BAR ? 200 : linePeriodMs;
        this.thread = new Thread(this::run, "progress");
        this.thread.setDaemon(true);
        if (this.mode != Mode.NONE) {
            thread.start();
        }
    }

    private void run() {
        while (!stop) {
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
            if (!stop) {
                show(false);
            }
        }
    }

    private synchronized void show(boolean last) {
        Progress p;
        try {
            p = source.get();
        } catch (RuntimeException e) {
            return;
        }
        String text = format(p);
        if (mode == Mode.BAR) {
            String line = "\r" + text + " ".repeat(Math.max(0, lastLength - text.length()));
            lastLength = text.length();
            err.print(line);
            if (last) {
                err.println();
            }
        } else {
            err.println(text);
        }
        err.flush();
    }

    String format(Progress p) {
        double seconds = p.elapsedNanos() / 1e9;
        double rate = seconds <= 0 ? 0 : p.pagesDone() * (double) pageSize / seconds;
        String eta = rate <= 0 || p.pagesTotal() == 0 ? "?"
                : formatSeconds((p.pagesTotal() - p.pagesDone()) * (double) pageSize / rate);
        int pct = (int) Math.floor(p.fraction() * 100);
        String counts = String.format(Locale.ROOT, "%d/%d pages, %s/s, ETA %s", p.pagesDone(), p.pagesTotal(),
                TransferStats.bytes((long) rate), eta);
        String pass = p.pass() > 1 ? " pass " + p.pass() : "";
        if (mode == Mode.BAR) {
            int filled = (int) (p.fraction() * WIDTH);
            return label + pass + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                    + String.format(Locale.ROOT, "%3d%% ", pct) + counts;
        }
        return label + pass + ": " + pct + "% " + counts;
    }

    private static String formatSeconds(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.0f s", Math.ceil(s));
        }
        return String.format(Locale.ROOT, "%d min %02d s", (long) s / 60, (long) s % 60);
    }

    /** Stops and, for a bar, draws the last state and ends the line. */
    @Override
    public void close() {
        if (mode == Mode.NONE) {
            return;
        }
        stop = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (mode == Mode.BAR) {
            show(true);
        }
    }
}
