package io.multifd.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI in a child JVM on the module path, as the launcher {@code ./multifd} runs it
 * ({@code java -p LIB -m io.multifd.cli/io.multifd.cli.Main}): the module path is this test's
 * class path without its test classes, so plugins load in module layers and the conformance kit
 * runs with JUnit and jqwik as modules. Output goes to files.
 */
final class ModulePathCli {

    final Process process;
    final Path out;
    final Path err;

    private ModulePathCli(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts the CLI.
     *
     * @param dir  a folder for the outputs; also the working directory
     * @param name a name for the output files
     * @param args the CLI's arguments
     * @return the running CLI
     * @throws IOException when the JVM cannot start
     */
    static ModulePathCli start(Path dir, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-p", modulePath(), "-m", "io.multifd.cli/io.multifd.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        return new ModulePathCli(p, out, err);
    }

    /** @return this test's class path without the test classes (and without surefire's own jars) */
    static String modulePath() {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            String n = p.getFileName() == null ? "" : p.getFileName().toString();
            if (e.isBlank() || n.equals("test-classes") || n.startsWith("surefire") || !Files.exists(p)) {
                continue;
            }
            keep.add(e);
        }
        return String.join(File.pathSeparator, keep);
    }

    /**
     * Waits for the process to end.
     *
     * @param seconds how long
     * @return its exit code
     * @throws InterruptedException when interrupted
     */
    int exit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + seconds + " s\n" + this);
        }
        return process.exitValue();
    }

    /**
     * Waits for a line of stdout.
     *
     * @param pattern what to find; group 1 is returned
     * @param seconds how long
     * @return group 1 of the first match
     * @throws InterruptedException when interrupted
     */
    String await(Pattern pattern, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(stdout());
            if (m.find()) {
                return m.group(1);
            }
            if (!process.isAlive()) {
                throw new AssertionError("ended (exit " + process.exitValue() + ") without printing " + pattern + "\n"
                        + this);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + pattern + " within " + seconds + " s\n" + this);
    }

    String stdout() {
        return ExampleBuild.read(out);
    }

    String stderr() {
        return ExampleBuild.read(err);
    }

    @Override
    public String toString() {
        return "--- stdout\n" + stdout() + "--- stderr\n" + stderr();
    }
}
