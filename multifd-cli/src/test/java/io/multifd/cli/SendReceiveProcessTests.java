package io.multifd.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code send} and {@code receive} as two JVMs, as a user runs them. */
class SendReceiveProcessTests {

    @TempDir
    Path dir;

    private final List<Peer> started = new ArrayList<>();

    /** A child JVM running the CLI, its stdout collected line by line, its stderr in a file. */
    private final class Peer {
        final Process process;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuffer out = new StringBuffer();
        final Path err;

        Peer(String name, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.multifd.cli.Main"));
            cmd.addAll(List.of(args));
            err = dir.resolve(name + ".err");
            process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            started.add(this);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        out.append(l).append('\n');
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // process gone
                }
            }, "stdout-" + name);
            t.setDaemon(true);
            t.start();
        }

        String awaitLine(Pattern p, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && p.matcher(l).find()) {
                    return l;
                }
            }
            throw new AssertionError("no line matching " + p + " within " + seconds + " s; stdout:\n" + out
                    + "\nstderr:\n" + stderr());
        }

        int exit(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("still running after " + seconds + " s; stdout:\n" + out + "\nstderr:\n"
                        + stderr());
            }
            return process.exitValue();
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (IOException e) {
                return "";
            }
        }
    }

    @AfterEach
    void killLeftovers() {
        for (Peer p : started) {
            p.process.destroyForcibly();
        }
    }

    private Peer receive(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("receive", "--listen", "127.0.0.1:0", "--progress", "lines"));
        args.addAll(List.of(extra));
        return new Peer("receive", args.toArray(String[]::new));
    }

    private static int port(Peer receiver) throws InterruptedException {
        Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)")
                .matcher(receiver.awaitLine(Pattern.compile("listening on"), 30));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private Path image(String name, int pages, long seed, boolean compressible) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer b = ByteBuffer.allocate(pages * 4096);
        for (int p = 0; p < pages; p++) {
            int kind = r.nextInt(3);
            for (int i = 0; i < 4096; i += 8) {
                b.putLong(p * 4096 + i, kind == 0 ? 0 : kind == 1 && compressible ? 0x2065687420666f20L : r.nextLong());
            }
        }
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void aTransferBetweenTwoJvmsWritesEveryBlockAndBothExitZero() throws Exception {
        Path ram = image("pc.ram.img", 2048, 1, true);
        Path bios = image("pc.bios.img", 64, 2, true);
        Path out = dir.resolve("received");
        Peer receiver = receive("--out", out.toString());
        int port = port(receiver);
        Peer sender = new Peer("send", "send", "--connect", "127.0.0.1:" + port, "--channels", "4", "--method",
                "zstd", "--level", "3", "--progress", "lines", ram.toString(), bios.toString());

        assertThat(sender.exit(60)).as("send: %s%n%s", sender.out, sender.stderr()).isZero();
        assertThat(receiver.exit(30)).as("receive: %s%n%s", receiver.out, receiver.stderr()).isZero();
        assertThat(Files.readAllBytes(out.resolve("pc.ram.img"))).isEqualTo(Files.readAllBytes(ram));
        assertThat(Files.readAllBytes(out.resolve("pc.bios.img"))).isEqualTo(Files.readAllBytes(bios));
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("pc.bios.img",
                    "pc.ram.img");
        }
        assertThat(sender.out.toString()).contains("the destination chose zstd{level=3}")
                .contains("over 4 channels").contains("every page verified");
        assertThat(receiver.out.toString()).contains("with method zstd{level=3} over 4 channels: [pc.ram, pc.bios]")
                .contains("wrote " + out.resolve("pc.ram.img"));
    }

    @Test
    void aRefusalEndsBothWithExitCode3AndNamesBothSidesMethods() throws Exception {
        Path ram = image("pc.ram.img", 16, 3, true);
        Peer receiver = receive("--out", dir.resolve("x.img").toString(), "--methods", "none");
        int port = port(receiver);
        Peer sender = new Peer("send", "send", "--connect", "127.0.0.1:" + port, "--method", "zstd", ram.toString());
        assertThat(sender.exit(30)).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(receiver.exit(30)).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(sender.stderr()).contains("multifd send: the destination refused the transfer: destination has no "
                + "method in common with source: source offers [zstd], destination has [").contains("zstd(not allowed)");
        assertThat(receiver.stderr()).contains("multifd receive: refused the transfer: destination has no method in "
                + "common with source");
        assertThat(dir.resolve("x.img")).doesNotExist();
        assertThat(dir.resolve("x.img.incomplete")).doesNotExist();
    }

    @Test
    void killingTheReceiverMidTransferFailsTheSenderWithinSecondsAndLeavesNoCompleteOutput() throws Exception {
        Path ram = image("pc.ram.img", 16384, 4, false);
        Path out = dir.resolve("ram.img");
        Peer receiver = receive("--out", out.toString());
        int port = port(receiver);
        Peer sender = new Peer("send", "send", "--connect", "127.0.0.1:" + port, "--channels", "2", "--method",
                "zlib", "--level", "9", "--progress", "lines", ram.toString());
        sender.awaitLine(Pattern.compile("the destination chose zlib"), 30);
        Thread.sleep(500);
        receiver.process.destroyForcibly();
        long t0 = System.nanoTime();
        int code = sender.exit(20);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(code).as("send: %s%n%s", sender.out, sender.stderr()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(seconds).isLessThan(10);
        assertThat(sender.stderr()).startsWith("multifd send: ").containsPattern("destination|channel \\d");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("ram.img.incomplete")).exists();
    }
}
