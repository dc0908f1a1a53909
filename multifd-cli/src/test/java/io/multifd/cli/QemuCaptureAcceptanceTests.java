package io.multifd.cli;

import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.ChannelSummary;
import io.multifd.core.qemu.DecodeResult;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.testing.MiniJson;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance test that matters most: every real QEMU 10.0 capture set found under
 * {@code ../shared/vectors/qemu-10.0} (discovered from the folder, never listed here) whose
 * method is none, zlib or zstd (and qpl when an installed qpl method can decode) is decoded with
 * the methods found through {@link MethodRegistry}, the method being taken from the packets'
 * flag; every RAMBlock's sha256 and normal/zero page counts, and every channel's counts, must
 * equal the manifest's.
 */
class QemuCaptureAcceptanceTests {

    static final Set<String> REQUIRED = Set.of("none", "zlib", "zstd");

    @TempDir
    static Path out;

    @TestFactory
    @Timeout(600)
    Stream<DynamicTest> everyCaptureSetDecodesToTheImagesOfItsManifest() throws Exception {
        MethodRegistry registry = MethodRegistry.discover();
        for (String m : REQUIRED) {
            assertThat(registry.find(m)).as("method " + m + " on the test class path").isPresent();
        }
        boolean qpl = registry.find("qpl").map(DiscoveredMethod::canDecode).orElse(false);
        List<Path> sets = Vectors.sets();
        List<Path> chosen = sets.stream().filter(s -> {
            Object method = Vectors.manifest(s).get("method");
            return REQUIRED.contains(method) || (qpl && "qpl".equals(method));
        }).toList();
        assertThat(chosen).as("capture sets with method none, zlib or zstd in " + Vectors.root()).isNotEmpty();
        return chosen.stream().map(set -> DynamicTest.dynamicTest(set.getFileName().toString(),
                () -> decodeAndCompare(registry, set)));
    }

    static void decodeAndCompare(MethodRegistry registry, Path set) throws Exception {
        Map<String, Object> m = Vectors.manifest(set);
        Path dir = out.resolve(set.getFileName().toString());
        DecodeResult r = new CaptureDecoder(CaptureDecoder.MethodLookup.of(registry)).decodeDirectory(set, dir);
        try {
            assertThat(r.method()).contains((String) m.get("method"));
            assertThat(r.pageSize()).isEqualTo(((Long) m.get("page_size")).intValue());

            List<Object> expected = MiniJson.arr(m.get("ramblocks"));
            List<Object> json = MiniJson.arr(MiniJson.parse(Files.readString(dir.resolve("blocks.json"))));
            assertThat(r.blocks()).hasSize(expected.size());
            assertThat(json).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                Map<String, Object> e = MiniJson.obj(expected.get(i));
                Map<String, Object> j = MiniJson.obj(json.get(i));
                BlockSummary b = r.blocks().get(i);
                String what = set.getFileName() + " " + e.get("name");
                assertThat(b.name()).as(what).isEqualTo(e.get("name")).isEqualTo(j.get("name"));
                assertThat(b.size()).as(what).isEqualTo(e.get("size")).isEqualTo(j.get("size"));
                assertThat(b.sha256()).as(what + " sha256").isEqualTo(e.get("sha256")).isEqualTo(j.get("sha256"));
                assertThat(b.normalPages()).as(what + " normal pages").isEqualTo(e.get("normal_pages"))
                        .isEqualTo(j.get("normal_pages"));
                assertThat(b.zeroPages()).as(what + " zero pages").isEqualTo(e.get("zero_pages"))
                        .isEqualTo(j.get("zero_pages"));
                assertThat(Files.size(dir.resolve((String) j.get("file")))).isEqualTo(b.size());
            }

            Map<Long, Map<String, Object>> channels = new HashMap<>();
            for (Object o : MiniJson.arr(m.get("connections"))) {
                Map<String, Object> c = MiniJson.obj(o);
                if ("multifd".equals(c.get("role"))) {
                    channels.put((Long) c.get("channel_id"), c);
                } else {
                    Map<String, Object> ms = MiniJson.obj(c.get("main_stream"));
                    assertThat(r.mainConnection()).isEqualTo(c.get("file"));
                    assertThat(r.mainBytes()).isEqualTo(c.get("bytes"));
                    assertThat(r.flushes()).isEqualTo(ms.get("multifd_flush_markers"));
                    assertThat(r.machineType()).contains((String) ms.get("machine"));
                }
            }
            assertThat(r.channels()).hasSize(channels.size());
            for (ChannelSummary c : r.channels()) {
                Map<String, Object> e = channels.get((long) c.channel());
                String what = set.getFileName() + " channel " + c.channel();
                assertThat(c.connection()).as(what).isEqualTo(e.get("file"));
                assertThat(c.packets()).as(what).isEqualTo(e.get("packets"));
                assertThat(c.syncPackets()).as(what).isEqualTo(e.get("sync_packets"));
                assertThat(c.normalPages()).as(what).isEqualTo(e.get("normal_pages"));
                assertThat(c.zeroPages()).as(what).isEqualTo(e.get("zero_pages"));
                assertThat(c.payloadBytes()).as(what).isEqualTo(e.get("payload_bytes"));
                assertThat(c.wireBytes()).as(what).isEqualTo(e.get("bytes"));
            }
        } finally {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
