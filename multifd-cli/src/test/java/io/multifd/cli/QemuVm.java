package io.multifd.cli;

import io.multifd.core.json.Json;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One qemu-system-x86_64 process started by a test, with its QMP connection. {@link #close()}
 * kills it by its pid; a JVM shutdown hook kills any left over, so no test leaves a QEMU running.
 */
final class QemuVm implements AutoCloseable {

    /** The QEMU binary: {@code -Dmultifd.qemu=PATH}, by default qemu-system-x86_64 from the PATH. */
    static final String QEMU = System.getProperty("multifd.qemu", "qemu-system-x86_64");

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "kill-test-qemus"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final Qmp qmp;

    private QemuVm(String name, Process process, Path log, Qmp qmp) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.qmp = qmp;
    }

    /**
     * Starts QEMU with these arguments plus a QMP unix socket in {@code dir}.
     *
     * @param name a name for messages and files
     * @param dir  a folder for the socket and the log
     * @param args the machine arguments
     * @return the running VM
     * @throws IOException when it does not start or QMP does not answer
     */
    static QemuVm start(String name, Path dir, List<String> args) throws IOException {
        Path sock = dir.resolve(name + ".qmp");
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(QEMU);
        cmd.addAll(args);
        cmd.add("-qmp");
        cmd.add("unix:" + sock + ",server=on,wait=off");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        RUNNING.add(p);
        try {
            Qmp q = Qmp.connect(sock, p, Duration.ofSeconds(20));
            return new QemuVm(name, p, log, q);
        } catch (IOException | RuntimeException e) {
            kill(p);
            throw new IOException(name + ": " + e.getMessage() + "; command " + String.join(" ", cmd) + "; log: "
                    + readLog(log), e);
        }
    }

    /** @return the QMP client */
    Qmp qmp() {
        return qmp;
    }

    /** @return the process id */
    long pid() {
        return process.pid();
    }

    /** @return whether the process still runs */
    boolean isAlive() {
        return process.isAlive();
    }

    /** @return QEMU's output so far */
    String log() {
        return readLog(log);
    }

    /** @return {@code query-status}'s status */
    String status() throws IOException {
        return (String) qmp.object("query-status", Map.of()).get("status");
    }

    /** @return {@code query-migrate} */
    Map<String, Object> queryMigrate() throws IOException {
        return qmp.object("query-migrate", Map.of());
    }

    /**
     * Polls {@code query-migrate} until a final state.
     *
     * @param timeout how long
     * @return the last reply
     * @throws IOException when QMP fails or the timeout passes
     */
    Map<String, Object> awaitMigration(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Object> st = queryMigrate();
            Object s = st.get("status");
            if ("completed".equals(s) || "failed".equals(s) || "cancelled".equals(s)) {
                return st;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + ": migration still '" + s + "' after " + timeout.toSeconds() + " s: " + st);
            }
            sleep(50);
        }
    }

    /**
     * Saves guest-physical memory.
     *
     * @param addr start
     * @param size bytes
     * @param file the file
     * @return the file's bytes
     * @throws IOException when QMP or the file fails
     */
    byte[] pmemsave(long addr, long size, Path file) throws IOException {
        qmp.command("pmemsave", Map.of("val", addr, "size", size, "filename", file.toString()));
        byte[] b = Files.readAllBytes(file);
        if (b.length != size) {
            throw new IOException("pmemsave wrote " + b.length + " of " + size + " bytes");
        }
        return b;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Kills QEMU by its pid (no polite {@code quit}: a QEMU destination that hangs after a packet
     * error answers neither QMP nor SIGTERM) and waits for it to be gone.
     */
    @Override
    public void close() {
        qmp.close();
        kill(process);
    }

    /** Kills the process by its pid now. */
    void kill() {
        kill(process);
    }

    private static void kill(Process p) {
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(p);
    }

    private static String readLog(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }

    /**
     * A member of a QMP reply that must be an object.
     *
     * @param o the value
     * @return the object
     */
    static Map<String, Object> obj(Object o) {
        return Json.asObject(o);
    }
}
