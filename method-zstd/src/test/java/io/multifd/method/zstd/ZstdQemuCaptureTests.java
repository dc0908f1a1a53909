package io.multifd.method.zstd;

import static org.assertj.core.api.Assertions.assertThat;

import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real QEMU 10.0.2 zstd channels decode through this method's receiver (with its stricter tail
 * checks) to the RAMBlocks the capture manifest names. Skipped when the vectors are not present.
 */
class ZstdQemuCaptureTests {

    private static final Path VECTORS = Path.of(System.getProperty("multifd.vectors",
            "/work/shared/vectors/qemu-10.0"));
    private static final Pattern BLOCK = Pattern.compile(
            "\\{\\s*\"name\":\\s*\"([^\"]+)\",\\s*\"size\":\\s*(\\d+),\\s*\"pages\":\\s*\\d+,\\s*\"sha256\":\\s*\"([0-9a-f]{64})\"");

    @ParameterizedTest
    @ValueSource(strings = {"zstd-l1-2ch"})
    void qemuChannelsDecodeToTheReferenceBlocks(String set) throws Exception {
        Path dir = VECTORS.resolve(set);
        org.junit.jupiter.api.Assertions.assertTrue(Files.isRegularFile(dir.resolve("manifest.json")), "capture " + dir + " not present");
        Map<BlockSpec, String> blocks = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(dir.resolve("manifest.json")));
        while (m.find()) {
            blocks.put(new BlockSpec(m.group(1), Long.parseLong(m.group(2))), m.group(3));
        }
        assertThat(blocks).isNotEmpty();
        ResolvedMethod method = Loopback.resolve(new ZstdMethodProvider(), Map.of("level", "1"));
        int decoded = 0;
        try (MemoryImage image = MemoryImage.allocate(4096, new ArrayList<>(blocks.keySet()));
             Stream<Path> files = Files.list(dir)) {
            for (Path conn : files.filter(p -> p.getFileName().toString().matches("conn-\\d+\\.bin")).sorted().toList()) {
                try (FileChannel fc = FileChannel.open(conn)) {
                    ByteBuffer magic = ByteBuffer.allocate(4);
                    fc.read(magic, 0);
                    if (magic.getInt(0) != 0x11223344) {
                        continue; // the main channel
                    }
                    ChannelReceiver r = new ChannelReceiver(method, 4096, fc, conn.toString(), null);
                    try {
                        r.readInit();
                        r.setImage(image);
                        r.setup();
                        while (r.next() != ChannelReceiver.Event.END) {
                            decoded++;
                        }
                    } finally {
                        r.close();
                    }
                }
            }
            assertThat(decoded).isPositive();
            for (Map.Entry<BlockSpec, String> e : blocks.entrySet()) {
                assertThat(sha256(image.block(e.getKey().name()).orElseThrow()))
                        .as("RAMBlock %s", e.getKey().name()).isEqualTo(e.getValue());
            }
        }
    }

    private static String sha256(Block block) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (long off = 0; off < block.size(); off += 4096) {
            md.update(block.readPage(off));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
