package io.multifd.cli;

import io.multifd.core.json.Json;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code qemu-send} into {@code qemu-receive} over TLS 1.3 on every connection (mutual TLS, the
 * certificates made at test time with openssl), and a plain {@code qemu-send} refused by a TLS
 * {@code qemu-receive} within its accept timeout, naming the cause (the plain sender itself may
 * finish writing into the socket buffers before the receiver drops it).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QemuTlsLoopbackTests {

    @TempDir
    Path dir;

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
    }

    private List<String> tls(String name) {
        return List.of("--tls-cert", dir.resolve(name + ".crt").toString(), "--tls-key",
                dir.resolve(name + ".key").toString(), "--tls-ca", dir.resolve("ca.crt").toString());
    }

    private CliRun[] sendAndReceive(Path set, Path out, List<String> receiveTls, List<String> sendTls)
            throws Exception {
        Map<String, Object> m = Json.parseObject(Files.readString(set.resolve("manifest.json")));
        Path portFile = out.resolveSibling(out.getFileName() + ".port");
        List<String> args = new ArrayList<>(List.of("qemu-receive", "--listen", "127.0.0.1:0", "--out", out.toString(),
                "--port-file", portFile.toString(), "--accept-timeout", "5", "--idle-timeout", "20", "--channels",
                m.get("channels").toString(), "--method", (String) m.get("method")));
        args.addAll(receiveTls);
        BackgroundCli rx = BackgroundCli.start(args.toArray(String[]::new));
        int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
        List<String> send = new ArrayList<>(List.of("qemu-send", "--connect", "localhost:" + port, set.toString(),
                "--idle-timeout", "20", "--wait-close", "0"));
        send.addAll(sendTls);
        CliRun s = CliRun.of(send.toArray(String[]::new));
        return new CliRun[] {s, rx.await(Duration.ofSeconds(60))};
    }

    private static Path firstSet() throws Exception {
        for (Path set : Vectors.sets()) {
            Object method = Json.parseObject(Files.readString(set.resolve("manifest.json"))).get("method");
            if ("none".equals(method) || "zlib".equals(method) || "zstd".equals(method)) {
                return set;
            }
        }
        throw new AssertionError("no none, zlib or zstd capture set in " + Vectors.root());
    }

    @Test
    void aCaptureStreamedOverMutualTlsIsRecordedExactly() throws Exception {
        certificates();
        Path set = firstSet();
        Path out = dir.resolve("out");
        CliRun[] runs = sendAndReceive(set, out, tls("server"), tls("client"));
        assertThat(runs[0].code()).as(runs[0].toString()).isZero();
        assertThat(runs[1].code()).as(runs[1].toString()).isZero();
        assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).doesNotExist();
        Map<String, Object> m = Json.parseObject(Files.readString(set.resolve("manifest.json")));
        ReceivedMigration rm = ReceivedMigration.open(out);
        for (Object o : Json.asList(m.get("ramblocks"))) {
            Map<String, Object> want = Json.asObject(o);
            var got = rm.blocks().stream().filter(b -> b.name().equals(want.get("name"))).findFirst().orElseThrow();
            assertThat(got.sha256()).as(got.name()).isEqualTo(want.get("sha256"));
        }
    }

    @Test
    void aPlainSourceIsRefusedByATlsReceiverNamingTheCause() throws Exception {
        certificates();
        Path out = dir.resolve("refused");
        long t0 = System.nanoTime();
        CliRun[] runs = sendAndReceive(firstSet(), out, tls("server"), List.of());
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        assertThat(runs[1].code()).as(runs[1].toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(runs[1].err()).as(runs[1].toString()).contains("does not speak TLS");
        assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).exists();
        assertThat(out.resolve("blocks.json")).doesNotExist();
    }
}
