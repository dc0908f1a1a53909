package io.multifd.cli;

import io.multifd.core.json.Json;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the live QEMU tests share: the QEMU check, the dirty guest, ports, memory comparison. */
final class LiveQemu {

    /** Set to true to skip (instead of fail) the live tests where QEMU is missing. */
    static final String OPTIONAL_PROPERTY = "multifd.qemu.optional";

    private LiveQemu() {
    }

    /**
     * Fails (or, with {@code -Dmultifd.qemu.optional=true}, skips) when qemu-system-x86_64 10.x is
     * not installed.
     */
    static void requireQemu() {
        String problem;
        try {
            Process p = new ProcessBuilder(QemuVm.QEMU, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                problem = QemuVm.QEMU + " --version did not answer within 20 s";
            } else if (!out.contains("version 10.")) {
                problem = QemuVm.QEMU + " is not version 10.x: " + out.lines().findFirst().orElse("");
            } else {
                problem = null;
            }
        } catch (IOException e) {
            problem = QemuVm.QEMU + " is not installed (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        if (problem != null) {
            String msg = problem + ": the live QEMU interoperability tests need QEMU 10.0; run scripts/provision-qemu.sh "
                    + "(as root: it installs qemu-system-x86 from bookworm-backports), or pass -D" + OPTIONAL_PROPERTY
                    + "=true to skip these tests";
            if (Boolean.getBoolean(OPTIONAL_PROPERTY)) {
                Assumptions.abort(msg);
            }
            Assertions.fail(msg);
        }
    }

    /**
     * Builds the dirty guest of the vectors' tools with its build.sh (GNU as and ld).
     *
     * @param out where to put dirty.elf
     * @return the kernel
     */
    static Path buildDirtyGuest(Path out) throws IOException, InterruptedException {
        Path tools = Vectors.root().resolve("tools").resolve("dirty-guest");
        Path script = tools.resolve("build.sh");
        if (!Files.isRegularFile(script)) {
            Assertions.fail("the dirty guest's build script " + script + " is missing");
        }
        Process p = new ProcessBuilder("sh", script.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            Assertions.fail("building the dirty guest took more than 60 s");
        }
        Path elf = out.resolve("dirty.elf");
        if (p.exitValue() != 0 || !Files.isRegularFile(elf)) {
            Assertions.fail("building the dirty guest failed (it needs GNU as and ld from binutils): " + log);
        }
        return elf;
    }

    /** @return a port free right now on 127.0.0.1 */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The common machine arguments of every VM of these tests. */
    static List<String> machine(int mib) {
        return new ArrayList<>(List.of("-machine", "q35", "-accel", "tcg", "-m", mib + "M", "-nographic",
                "-nodefaults"));
    }

    /**
     * A recorded block's image.
     *
     * @param dir   the qemu-receive folder
     * @param block the RAMBlock
     * @return the image file
     */
    static Path blockFile(Path dir, String block) throws IOException {
        for (Object o : Json.asList(Json.parse(Files.readString(dir.resolve("blocks.json"))))) {
            Map<String, Object> b = Json.asObject(o);
            if (block.equals(b.get("name"))) {
                return dir.resolve((String) b.get("file"));
            }
        }
        throw new AssertionError("no RAMBlock " + block + " in " + dir.resolve("blocks.json"));
    }

    /**
     * Asserts that two memories hold the same pages in {@code [from, to)}, naming the pages that
     * differ.
     */
    static void assertSamePages(byte[] expected, byte[] actual, long from, long to, String what) {
        List<String> diff = new ArrayList<>();
        int count = 0;
        for (long off = from; off < to; off += GuestMemory.PAGE) {
            if (java.util.Arrays.mismatch(expected, (int) off, (int) off + GuestMemory.PAGE, actual, (int) off,
                    (int) off + GuestMemory.PAGE) >= 0) {
                count++;
                if (diff.size() < 8) {
                    diff.add("0x" + Long.toHexString(off));
                }
            }
        }
        if (count > 0) {
            Assertions.fail(what + ": " + count + " of " + (to - from) / GuestMemory.PAGE + " pages differ, first at "
                    + diff);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long num(Map<String, Object> o, String... path) {
        Object v = o;
        for (String p : path) {
            if (!(v instanceof Map)) {
                return -1;
            }
            v = Json.asObject(v).get(p);
        }
        return v == null ? -1 : ((Number) v).longValue();
    }
}
