package io.multifd.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A command of the CLI running on its own (daemon) thread, e.g. {@code qemu-receive} while a test drives QEMU. */
final class BackgroundCli {

    private final Thread thread;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private volatile int code = -1;

    private BackgroundCli(String... args) {
        thread = new Thread(() -> {
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        }, "cli-" + args[0]);
        thread.setDaemon(true);
    }

    static BackgroundCli start(String... args) {
        BackgroundCli b = new BackgroundCli(args);
        b.thread.start();
        return b;
    }

    /**
     * Waits for the command to end.
     *
     * @param timeout how long
     * @return its run
     * @throws AssertionError when it is still running then
     */
    CliRun await(Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("the command did not end within " + timeout.toSeconds() + " s; output so far:\n"
                    + out + "\n--- stderr\n" + err);
        }
        return new CliRun(code, out.toString(), err.toString());
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    /**
     * Waits until a port file exists and reads it.
     *
     * @param file    the file
     * @param timeout how long
     * @return the port
     */
    int awaitPort(Path file, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                try {
                    return Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim());
                } catch (IOException | NumberFormatException e) {
                    // being written
                }
            }
            if (!thread.isAlive()) {
                throw new AssertionError("the command ended before listening: " + await(Duration.ZERO));
            }
            QemuVm.sleep(10);
        }
        throw new AssertionError("no port file " + file + " after " + timeout.toSeconds() + " s");
    }
}
