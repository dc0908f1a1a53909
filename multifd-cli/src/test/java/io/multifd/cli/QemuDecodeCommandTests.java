package io.multifd.cli;

import io.multifd.core.testing.MiniJson;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code multifd qemu-decode} through picocli: outputs, blocks.json and exit codes. */
@Timeout(120)
class QemuDecodeCommandTests {

    /** The first capture set of a method, found from the manifests. */
    static Path setOf(String method) {
        return Vectors.sets().stream().filter(s -> method.equals(Vectors.manifest(s).get("method"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no capture set with method " + method));
    }

    static Path copyOf(Path set, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(set)) {
            for (Path f : s.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** A multifd channel file of a capture copy (not the main one). */
    static Path aMultifdFile(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("conn-")).filter(p -> {
                try {
                    return ByteBuffer.wrap(Files.readAllBytes(p), 0, 4).getInt() == 0x11223344;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void decodesACaptureAndWritesBlocksJsonAndASummary(@TempDir Path tmp) throws Exception {
        Path set = setOf("zlib");
        Map<String, Object> m = Vectors.manifest(set);
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("qemu-decode", set.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("method zlib").contains("CHANNEL").contains("SYNCS").contains("WIRE BYTES")
                .contains("RATIO").contains("total");
        List<Object> expected = MiniJson.arr(m.get("ramblocks"));
        List<Object> json = MiniJson.arr(MiniJson.parse(Files.readString(out.resolve("blocks.json"))));
        assertThat(json).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = MiniJson.obj(expected.get(i));
            Map<String, Object> j = MiniJson.obj(json.get(i));
            for (String k : List.of("name", "size", "sha256", "normal_pages", "zero_pages")) {
                assertThat(j.get(k)).as(e.get("name") + " " + k).isEqualTo(e.get(k));
            }
            assertThat(Files.size(out.resolve((String) j.get("file")))).isEqualTo(e.get("size"));
            assertThat(r.out()).contains((String) e.get("sha256"));
        }
        for (Object o : MiniJson.arr(m.get("connections"))) {
            Map<String, Object> c = MiniJson.obj(o);
            if ("multifd".equals(c.get("role"))) {
                assertThat(r.out()).contains(c.get("file") + "").contains(c.get("bytes") + "");
            }
        }
        assertThat(r.err()).isEmpty();
    }

    @Test
    void jsonOutputDescribesChannelsAndBlocks(@TempDir Path tmp) throws Exception {
        Path set = setOf("zstd");
        Map<String, Object> m = Vectors.manifest(set);
        CliRun r = CliRun.of("qemu-decode", set.toString(), "-o", tmp.toString(), "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, Object> j = MiniJson.obj(MiniJson.parse(r.out()));
        assertThat(j.get("method")).isEqualTo("zstd");
        assertThat(j.get("machine")).isEqualTo(m.get("machine_type"));
        assertThat(MiniJson.arr(j.get("channels"))).hasSize(((Long) m.get("channels")).intValue());
        assertThat(MiniJson.arr(j.get("blocks"))).hasSize(MiniJson.arr(m.get("ramblocks")).size());
        long sync = MiniJson.arr(j.get("channels")).stream().mapToLong(c -> (Long) MiniJson.obj(c).get("sync_packets"))
                .sum();
        assertThat(sync).isEqualTo(MiniJson.obj(m.get("totals")).get("sync_packets"));
    }

    @Test
    void aTruncatedChannelExitsOneWithOneLineAndNoCompleteOutput(@TempDir Path tmp) throws Exception {
        Path capture = copyOf(setOf("zstd"), tmp.resolve("capture"));
        Path victim = aMultifdFile(capture);
        byte[] b = Files.readAllBytes(victim);
        Files.write(victim, Arrays.copyOf(b, b.length - 5000));
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("qemu-decode", capture.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.err().lines().toList()).as(r.toString()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("multifd qemu-decode: ").contains("channel").contains("field"));
        assertThat(r.err()).doesNotContain("\tat ");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.equals("blocks.json") || n.endsWith(".img") || n.endsWith(".partial"));
        }
    }

    @Test
    void verbosePrintsTheStackTrace(@TempDir Path tmp) throws Exception {
        Path capture = copyOf(setOf("none"), tmp.resolve("capture"));
        Path victim = aMultifdFile(capture);
        byte[] b = Files.readAllBytes(victim);
        b[0] ^= 1;
        Files.write(victim, b);
        CliRun r = CliRun.of("qemu-decode", capture.toString(), "--out", tmp.resolve("out").toString(), "--verbose");
        assertThat(r.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.err()).contains("field magic").contains("\tat io.multifd.");
    }

    @Test
    void anUnknownFlagInThePacketsExitsThree(@TempDir Path tmp) throws Exception {
        Path capture = copyOf(setOf("none"), tmp.resolve("capture"));
        try (Stream<Path> s = Files.list(capture)) {
            for (Path f : s.toList()) {
                byte[] b = Files.readAllBytes(f);
                if (ByteBuffer.wrap(b).getInt() != 0x11223344) {
                    continue;
                }
                for (int at = 64; at < b.length; at += 1344 + ByteBuffer.wrap(b).getInt(at + 20)) {
                    if (b[at + 11] == 0) {
                        b[at + 11] = 0x2A;
                    }
                }
                Files.write(f, b);
            }
        }
        CliRun r = CliRun.of("qemu-decode", capture.toString(), "--out", tmp.resolve("out").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(r.err()).contains("0x2A").contains("installed");
    }

    @Test
    void usageAndArgumentErrors(@TempDir Path tmp) {
        Path set = setOf("none");
        CliRun noOut = CliRun.of("qemu-decode", set.toString());
        assertThat(noOut.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(noOut.err()).contains("--out");

        CliRun missing = CliRun.of("qemu-decode", tmp.resolve("nope").toString(), "--out", tmp.toString());
        assertThat(missing.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(missing.err()).contains("does not exist");

        CliRun empty = CliRun.of("qemu-decode", tmp.toString(), "--out", tmp.resolve("o").toString());
        assertThat(empty.code()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(empty.err()).contains("no conn-*.bin");

        CliRun method = CliRun.of("qemu-decode", set.toString(), "--out", tmp.toString(), "--method", "nosuch");
        assertThat(method.code()).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(method.err()).contains("nosuch").contains("zstd");

        CliRun pageSize = CliRun.of("qemu-decode", set.toString(), "--out", tmp.toString(), "--page-size", "3000");
        assertThat(pageSize.code()).isEqualTo(Main.EXIT_USAGE);

        CliRun plugins = CliRun.of("qemu-decode", set.toString(), "--out", tmp.toString(), "--plugins",
                tmp.resolve("none").toString());
        assertThat(plugins.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(plugins.err()).contains("not a folder");

        assertThat(CliRun.of().code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(CliRun.of("no-such-command").code()).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void aGivenMethodMustMatchThePackets(@TempDir Path tmp) {
        CliRun r = CliRun.of("qemu-decode", setOf("zlib").toString(), "--out", tmp.toString(), "--method", "zstd");
        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.err()).contains("field flags").contains("compression field 0x02");
    }

    @Test
    void helpListsTheExitCodes() {
        CliRun r = CliRun.of("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Exit codes:").contains("qemu-decode").contains("methods");
    }
}
