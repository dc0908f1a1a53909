package io.multifd.method.qpl;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.Wire;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decodes the multifd channels of the {@code qpl-sw-2ch} vector set (made with libqpl 1.9.0's
 * software path in QEMU's format) with each decoder and compares every RAMBlock's sha256 with the
 * manifest. Compressed bytes are never compared: they depend on the encoder's history.
 */
class QplCaptureTests {

    private static final Pattern BLOCK = Pattern.compile(
            "\"name\":\\s*\"([^\"]+)\",\\s*\"size\":\\s*(\\d+),\\s*\"pages\":\\s*\\d+,\\s*\"sha256\":\\s*\"([0-9a-f]{64})\"");

    private static Path set() {
        Path vectors = Path.of(System.getProperty("multifd.vectors", "../../shared/vectors/qemu-10.0"));
        Path set = vectors.resolve("qpl-sw-2ch");
        org.junit.jupiter.api.Assertions.assertTrue(Files.isDirectory(set), "vector set " + set + " is not here");
        return set;
    }

    @ParameterizedTest
    @ValueSource(strings = {"software", "java", "no-libqpl"})
    void decodesTheQplSetToTheManifestHashes(String decoder) throws IOException, MultifdException,
            NoSuchAlgorithmException {
        Path set = set();
        String manifest = Files.readString(set.resolve("manifest.json"));
        Map<String, String> hashes = new LinkedHashMap<>();
        List<BlockSpec> specs = new ArrayList<>();
        Matcher m = BLOCK.matcher(manifest.substring(manifest.indexOf("\"ramblocks\"")));
        while (m.find()) {
            specs.add(new BlockSpec(m.group(1), Long.parseLong(m.group(2))));
            hashes.put(m.group(1), m.group(3));
        }
        assertThat(specs).extracting(BlockSpec::name).contains("pc.ram", "pc.bios");
        ResolvedMethod method = decoder.equals("no-libqpl")
                ? QplTestSupport.resolve(QplTestSupport.missingLibqplProvider(Path.of("/nonexistent/libqpl.so")), "auto")
                : QplTestSupport.resolve(decoder.equals("java") ? new QplMethodProvider()
                : QplTestSupport.libqplProvider(), decoder);
        long compressed = 0;
        long raw = 0;
        try (MemoryImage image = MemoryImage.allocate(4096, specs); Stream<Path> files = Files.list(set)) {
            for (Path conn : files.filter(p -> p.getFileName().toString().matches("conn-\\d+\\.bin")).sorted().toList()) {
                if (magic(conn) != Wire.MAGIC) {
                    continue; // the main migration channel
                }
                try (InputStream in = Files.newInputStream(conn)) {
                    ChannelReceiver r = new ChannelReceiver(method, 4096, Channels.newChannel(in),
                            conn.getFileName().toString(), null);
                    r.readInit();
                    r.setImage(image);
                    r.setup();
                    try {
                        while (r.next() != ChannelReceiver.Event.END) {
                            // pages land in the image
                        }
                        Map<String, Long> c = method.method().counters(r);
                        raw += c.get("raw_pages");
                        compressed += c.get("software_pages") + c.get("hardware_pages") + c.get("java_pages");
                    } finally {
                        r.close();
                    }
                }
            }
            for (Block b : image.blocks()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (long off = 0; off < b.size(); off += 4096) {
                    sha.update(b.readPage(off));
                }
                assertThat(HexFormat.of().formatHex(sha.digest())).as("sha256 of %s", b.name())
                        .isEqualTo(hashes.get(b.name()));
            }
        }
        // the manifest's qpl section: 364 raw and 1568 compressed pages
        assertThat(raw).isEqualTo(364);
        assertThat(compressed).isEqualTo(1568);
    }

    private static int magic(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length < 4 ? 0 : ByteBuffer.wrap(b).getInt();
        }
    }
}
