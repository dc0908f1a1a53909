package io.multifd.cli;

import io.multifd.core.qemu.live.ChannelRecording;
import io.multifd.core.json.Json;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.RecordedPacket;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code qemu-receive}, {@code qemu-transcode} and {@code qemu-send} without QEMU: the real
 * captures are streamed by {@code qemu-send} into {@code qemu-receive} over loopback, transcoded
 * and decoded back, and broken or silent peers must end in an error, never a hang.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuLoopbackTests {

    private static Map<String, Object> manifest(Path set) throws IOException {
        return Json.parseObject(Files.readString(set.resolve("manifest.json"), StandardCharsets.UTF_8));
    }

    private static List<Path> qemuSets() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path set : Vectors.sets()) {
            Object method = manifest(set).get("method");
            if ("none".equals(method) || "zlib".equals(method) || "zstd".equals(method)) {
                out.add(set);
            }
        }
        assertThat(out).as("capture sets of none, zlib and zstd").isNotEmpty();
        return out;
    }

    /** Runs qemu-receive in the background and streams {@code folder} into it with qemu-send. */
    private static CliRun[] sendAndReceive(Path folder, Path out, String... receiveOptions) {
        Path portFile = out.resolveSibling(out.getFileName() + ".port");
        List<String> args = new ArrayList<>(List.of("qemu-receive", "--listen", "127.0.0.1:0", "--out", out.toString(),
                "--port-file", portFile.toString(), "--accept-timeout", "20", "--idle-timeout", "20"));
        args.addAll(List.of(receiveOptions));
        BackgroundCli rx = BackgroundCli.start(args.toArray(String[]::new));
        int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
        CliRun send = CliRun.of("qemu-send", "--connect", "127.0.0.1:" + port, folder.toString(), "--idle-timeout", "20",
                "--wait-close", "0");
        return new CliRun[] {send, rx.await(Duration.ofSeconds(60))};
    }

    @TestFactory
    Stream<DynamicTest> everyCaptureStreamedIntoQemuReceiveGivesTheManifestsBlocksAndPackets(@TempDir Path tmp)
            throws IOException {
        return qemuSets().stream().map(set -> DynamicTest.dynamicTest(set.getFileName().toString(), () -> {
            Map<String, Object> m = manifest(set);
            Path out = tmp.resolve(set.getFileName().toString());
            CliRun[] runs = sendAndReceive(set, out, "--channels", m.get("channels").toString(), "--method",
                    (String) m.get("method"), "--json");
            assertThat(runs[0].code()).as(runs[0].toString()).isZero();
            assertThat(runs[1].code()).as(runs[1].toString()).isZero();
            assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).doesNotExist();
            assertThat(Files.mismatch(out.resolve(ReceivedMigration.MAIN_BIN), Vectors.mainChannel(set)))
                    .as("main.bin is the main channel byte for byte").isEqualTo(-1L);
            ReceivedMigration rm = ReceivedMigration.open(out);
            for (Object o : Json.asList(m.get("ramblocks"))) {
                Map<String, Object> want = Json.asObject(o);
                var got = rm.blocks().stream().filter(b -> b.name().equals(want.get("name"))).findFirst()
                        .orElseThrow();
                assertThat(got.sha256()).as(got.name()).isEqualTo(want.get("sha256"));
                assertThat(got.normalPages()).as(got.name()).isEqualTo(want.get("normal_pages"));
                assertThat(got.zeroPages()).as(got.name()).isEqualTo(want.get("zero_pages"));
            }
            // the recorded packet sequences are the manifest's packet lists
            for (Object o : Json.asList(m.get("connections"))) {
                Map<String, Object> c = Json.asObject(o);
                if (!"multifd".equals(c.get("role"))) {
                    continue;
                }
                int id = ((Long) c.get("channel_id")).intValue();
                ChannelRecording r = rm.channels().get(id);
                List<Object> want = Json.asList(c.get("packet_list"));
                assertThat(r.packets()).hasSize(want.size());
                assertThat(r.ended()).isTrue();
                for (int i = 0; i < want.size(); i++) {
                    List<Object> row = Json.asList(want.get(i));
                    RecordedPacket p = r.packets().get(i);
                    String where = "channel " + id + " packet " + i;
                    assertThat(p.packetNum()).as(where).isEqualTo(row.get(0));
                    assertThat(p.sync()).as(where).isEqualTo((((Long) row.get(1)) & 1) == 1);
                    assertThat((long) p.normalPages()).as(where).isEqualTo(row.get(2));
                    assertThat((long) p.zeroPages()).as(where).isEqualTo(row.get(3));
                    assertThat(p.block()).as(where).isEqualTo(row.get(5) == null ? "" : row.get(5));
                }
            }
        }));
    }

    @Test
    void aTranscodedCaptureDecodesToTheSameBlocksWithItsNewUuidChannelsAndSyncs(@TempDir Path tmp) throws IOException {
        Path set = qemuSets().stream().filter(s -> s.getFileName().toString().startsWith("zstd")).findFirst()
                .orElse(qemuSets().get(0));
        Map<String, Object> m = manifest(set);
        UUID uuid = UUID.fromString("6f1c7a0e-2b4d-4c59-9a8e-0d3f2e1b5c77");
        Path out = tmp.resolve("zlib-3ch");
        CliRun t = CliRun.of("qemu-transcode", set.toString(), "--method", "zlib", "--level", "6", "--channels", "3",
                "--uuid", uuid.toString(), "--out", out.toString(), "--json");
        assertThat(t.code()).as(t.toString()).isZero();
        Map<String, Object> tj = Json.parseObject(t.out());
        long flushes = (Long) tj.get("sync_points");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.filter(p -> p.getFileName().toString().matches("conn-\\d+\\.bin")).count()).isEqualTo(4);
        }
        Path decoded = tmp.resolve("decoded");
        CliRun d = CliRun.of("qemu-decode", out.toString(), "--out", decoded.toString(), "--uuid", uuid.toString(),
                "--json");
        assertThat(d.code()).as(d.toString()).isZero();
        Map<String, Object> dj = Json.parseObject(d.out());
        assertThat(dj.get("method")).isEqualTo("zlib");
        assertThat(Json.asList(dj.get("channels"))).hasSize(3);
        for (Object o : Json.asList(dj.get("channels"))) {
            assertThat(Json.asObject(o).get("sync_packets")).isEqualTo(flushes);
        }
        Map<String, Object> main = Json.asObject(dj.get("main"));
        assertThat(main.get("flushes")).isEqualTo(flushes);
        for (Object o : Json.asList(m.get("ramblocks"))) {
            Map<String, Object> want = Json.asObject(o);
            Map<String, Object> got = Json.asList(dj.get("blocks")).stream().map(Json::asObject)
                    .filter(b -> b.get("name").equals(want.get("name"))).findFirst().orElseThrow();
            assertThat(got.get("sha256")).as((String) want.get("name")).isEqualTo(want.get("sha256"));
        }
    }

    @Test
    void aTruncatedChannelFailsWithAnIncompleteFolderAndNamesTheChannel(@TempDir Path tmp) throws IOException {
        Path set = qemuSets().get(0);
        Map<String, Object> m = manifest(set);
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Path main = Vectors.mainChannel(set);
        Path victim = null;
        try (Stream<Path> s = Files.list(set)) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin")).sorted().toList()) {
                Files.copy(p, broken.resolve(p.getFileName()));
                if (!p.equals(main) && victim == null) {
                    victim = broken.resolve(p.getFileName());
                }
            }
        }
        try (FileChannel fc = FileChannel.open(victim, StandardOpenOption.WRITE)) {
            fc.truncate(fc.size() / 2 + 7);
        }
        Path out = tmp.resolve("out");
        CliRun[] runs = sendAndReceive(broken, out, "--channels", m.get("channels").toString(), "--method",
                (String) m.get("method"));
        assertThat(runs[1].code()).as(runs[1].toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(runs[1].err()).as(runs[1].toString()).containsPattern("channel \\d")
                .containsPattern("stream ended inside|sent \\d+ SYNC|ended after");
        assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).exists();
        assertThat(out.resolve("blocks.json")).doesNotExist();
    }

    @Test
    void aWrongUuidOrATooSmallChannelCountIsRefused(@TempDir Path tmp) throws IOException {
        Path set = qemuSets().get(0);
        Map<String, Object> m = manifest(set);
        CliRun[] uuid = sendAndReceive(set, tmp.resolve("uuid"), "--channels", m.get("channels").toString(),
                "--method", (String) m.get("method"), "--uuid", "11111111-2222-3333-4444-555555555555");
        assertThat(uuid[1].code()).as(uuid[1].toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(uuid[1].err()).contains("field uuid").contains("11111111-2222-3333-4444-555555555555");
        assertThat(tmp.resolve("uuid").resolve(ReceivedMigration.INCOMPLETE)).exists();

        long channels = (Long) m.get("channels");
        CliRun[] fewer = sendAndReceive(set, tmp.resolve("fewer"), "--channels", Long.toString(channels - 1),
                "--method", (String) m.get("method"));
        assertThat(fewer[1].code()).as(fewer[1].toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(fewer[1].err()).containsPattern("out of range|one too many");
    }

    @Test
    void aSourceWithFewerChannelsThanExpectedTimesOutInsteadOfHanging(@TempDir Path tmp) throws IOException {
        Path set = qemuSets().get(0);
        Map<String, Object> m = manifest(set);
        long channels = (Long) m.get("channels");
        Path portFile = tmp.resolve("port");
        BackgroundCli rx = BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--out",
                tmp.resolve("out").toString(), "--port-file", portFile.toString(), "--accept-timeout", "3",
                "--channels", Long.toString(channels + 1), "--method", (String) m.get("method"));
        int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
        CliRun send = CliRun.of("qemu-send", "--connect", "127.0.0.1:" + port, set.toString(), "--idle-timeout", "20",
                "--wait-close", "0");
        CliRun run = rx.await(Duration.ofSeconds(30));
        assertThat(run.code()).as(run + "\nsender: " + send).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err()).contains("within 3 s the source opened the main channel and " + channels + " of "
                + (channels + 1) + " multifd channels");
    }

    @Test
    void aSilentSourceFailsAfterTheIdleTimeout(@TempDir Path tmp) throws Exception {
        Path set = qemuSets().get(0);
        Path portFile = tmp.resolve("port");
        BackgroundCli rx = BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--out",
                tmp.resolve("out").toString(), "--port-file", portFile.toString(), "--idle-timeout", "2",
                "--channels", "1", "--method", "none");
        int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
        byte[] mainHead;
        try (FileChannel fc = FileChannel.open(Vectors.mainChannel(set))) {
            ByteBuffer b = ByteBuffer.allocate(20);
            fc.read(b);
            mainHead = b.array();
        }
        byte[] init = new byte[64];
        ByteBuffer.wrap(init).putInt(0x11223344).putInt(1);
        long t0 = System.nanoTime();
        try (Socket channel = new Socket(InetAddress.getLoopbackAddress(), port);
             Socket main = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream c = channel.getOutputStream();
            c.write(init);
            c.flush();
            OutputStream mo = main.getOutputStream();
            mo.write(mainHead);
            mo.flush();
            CliRun run = rx.await(Duration.ofSeconds(30));
            assertThat(run.code()).as(run.toString()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).contains("idle timeout");
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
        assertThat(tmp.resolve("out").resolve(ReceivedMigration.INCOMPLETE)).exists();
    }

    @Test
    void qemuSendFailsWhenTheDestinationStopsReading(@TempDir Path tmp) throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("big"));
        try (FileChannel fc = FileChannel.open(folder.resolve("conn-0.bin"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            fc.write(ByteBuffer.wrap("QEVM".getBytes(StandardCharsets.US_ASCII)));
            fc.write(ByteBuffer.allocate(64 << 20), 4);
        }
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            server.setReceiveBufferSize(4096);
            long t0 = System.nanoTime();
            CliRun send = CliRun.of("qemu-send", "--connect", "127.0.0.1:" + server.getLocalPort(), folder.toString(),
                    "--idle-timeout", "2", "--wait-close", "0");
            assertThat(send.code()).as(send.toString()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(send.err()).contains("the destination took no byte for 2 s").contains("conn-0.bin");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
        }
    }

    @Test
    void qemuSendExplainsAReceivedFolder(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("channels"));
        Files.writeString(tmp.resolve("channels").resolve("index.json"), "{}");
        CliRun send = CliRun.of("qemu-send", "--connect", "127.0.0.1:9", tmp.toString());
        assertThat(send.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(send.err()).contains("run qemu-transcode on it first");
    }
}
