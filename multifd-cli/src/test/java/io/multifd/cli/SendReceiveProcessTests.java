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

    @Test
    void killingTheSenderMidTransferFailsTheReceiverWithinSecondsAndLeavesNoCompleteOutput() throws Exception {
        Path ram = image("pc.ram.img", 16384, 5, false);
        Path out = dir.resolve("ram.img");
        Peer receiver = receive("--out", out.toString(), "--timeout", "5");
        int port = port(receiver);
        Peer sender = new Peer("send", "send", "--connect", "127.0.0.1:" + port, "--channels", "2", "--method",
                "zlib", "--level", "9", "--progress", "lines", ram.toString());
        sender.awaitLine(Pattern.compile("the destination chose zlib"), 30);
        Thread.sleep(500);
        sender.process.destroyForcibly();
        long t0 = System.nanoTime();
        int code = receiver.exit(20);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(code).as("receive: %s%n%s", receiver.out, receiver.stderr()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(seconds).isLessThan(10);
        assertThat(receiver.stderr()).startsWith("multifd receive: ")
                .containsPattern("main channel|channel \\d|source");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("ram.img.incomplete")).exists();
    }

    /** Runs openssl in the test folder (certificates are made at test time, never committed). */
    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("openssl %s: %s", cmd, out).isTrue();
    }

    private void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=test-ca");
        for (String name : List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                    "/CN=" + name);
            Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
        }
        // the server's key as PKCS#1, as QEMU setups often have it
        openssl("rsa", "-in", "server.key", "-traditional", "-out", "server-rsa.key");
    }

    private String[] tls(String name, String key) {
        return new String[]{"--tls-cert", dir.resolve(name + ".crt").toString(), "--tls-key",
            dir.resolve(key).toString(), "--tls-ca", dir.resolve("ca.crt").toString()};
    }

    @Test
    void aMutualTlsTransferBetweenTwoJvmsWritesTheImage() throws Exception {
        certificates();
        Path ram = image("pc.ram.img", 1024, 6, true);
        Path out = dir.resolve("tls-received.img");
        List<String> rargs = new ArrayList<>(List.of("--out", out.toString()));
        rargs.addAll(List.of(tls("server", "server-rsa.key")));
        Peer receiver = receive(rargs.toArray(String[]::new));
        int port = port(receiver);
        List<String> sargs = new ArrayList<>(List.of("send", "--connect", "localhost:" + port, "--channels", "3",
                "--method", "zstd", ram.toString()));
        sargs.addAll(List.of(tls("client", "client.key")));
        Peer sender = new Peer("send", sargs.toArray(String[]::new));
        assertThat(sender.exit(60)).as("send: %s%n%s", sender.out, sender.stderr()).isZero();
        assertThat(receiver.exit(30)).as("receive: %s%n%s", receiver.out, receiver.stderr()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(ram));
    }

    @Test
    void aPlainSenderToATlsReceiverIsRefusedOnBothSidesWithinSeconds() throws Exception {
        certificates();
        Path ram = image("pc.ram.img", 64, 7, true);
        Path out = dir.resolve("tls-refused.img");
        List<String> rargs = new ArrayList<>(List.of("--out", out.toString(), "--timeout", "5"));
        rargs.addAll(List.of(tls("server", "server.key")));
        Peer receiver = receive(rargs.toArray(String[]::new));
        int port = port(receiver);
        long t0 = System.nanoTime();
        Peer sender = new Peer("send", "send", "--connect", "localhost:" + port, "--timeout", "5", ram.toString());
        int sent = sender.exit(30);
        int received = receiver.exit(30);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(15);
        assertThat(sent).as("send: %s", sender.stderr()).isNotZero();
        assertThat(received).as("receive: %s", receiver.stderr()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(receiver.stderr()).contains("TLS handshake on the main channel").contains("does not speak TLS");
        assertThat(out).doesNotExist();
    }
}
