package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FileSinkTests {

    private static final MethodProvider COPY = TestMethods.copy();

    @TempDir
    Path dir;

    private DestinationResult send(MemoryImage source, FileSink sink) throws Exception {
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), EngineOptions.DEFAULTS, sink)) {
            try (SourceSession s = TcpSource.connect(peer.address(), SendRequest.of(2, List.of(MethodChoice.of(COPY))),
                    source)) {
                s.sendPass(DirtyPages.all());
                s.finish();
            }
            return peer.await();
        }
    }

    @Test
    void severalBlocksGoToADirectoryOneFileEachRenamedOnlyAtTheEnd() throws Exception {
        MemoryImage source = Fixtures.image(4096, 11, List.of(new BlockSpec("pc.ram", 2 << 20),
                new BlockSpec("/rom@etc/acpi/tables", 64 << 10)));
        Path out = dir.resolve("vm");
        DestinationResult r = send(source, new FileSink(out));
        assertThat(r.outputs()).containsExactly(out.resolve("pc.ram.img"), out.resolve("rom@etc_acpi_tables.img"));
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("pc.ram.img", "rom@etc_acpi_tables.img");
        }
        for (Block b : source.blocks()) {
            Path f = out.resolve(b.spec().fileName());
            byte[] expected = new byte[(int) b.size()];
            b.readPage(0);
            for (long p = 0; p < b.pages(); p++) {
                b.readPage(p * 4096).get(expected, (int) (p * 4096), 4096);
            }
            assertThat(Files.readAllBytes(f)).isEqualTo(expected);
        }
    }

    @Test
    void oneBlockGoesToTheGivenFileReplacingAnOldOneOnlyOnSuccess() throws Exception {
        MemoryImage source = Fixtures.image(4096, 12, List.of(new BlockSpec("pc.ram", 1 << 20)));
        Path out = dir.resolve("ram.img");
        Files.writeString(out, "old");
        FileSink sink = new FileSink(out);
        send(source, sink);
        byte[] got = Files.readAllBytes(out);
        ByteBuffer expected = ByteBuffer.allocate(1 << 20);
        for (long p = 0; p < 256; p++) {
            expected.put(source.blocks().get(0).readPage(p * 4096));
        }
        assertThat(ByteBuffer.wrap(got)).isEqualTo(expected.flip());
        assertThat(dir.resolve("ram.img.incomplete")).doesNotExist();
    }

    @Test
    void aSingleFileCannotHoldSeveralBlocks() throws Exception {
        Path out = dir.resolve("ram.img");
        Files.writeString(out, "old");
        assertThat(new FileSink(out).check(List.of(new BlockSpec("a", 4096), new BlockSpec("b", 4096)), 4096))
                .hasValueSatisfying(s -> assertThat(s).contains("sends 2 RAMBlocks [a, b]; give a directory"));
        assertThat(new FileSink(dir).check(List.of(new BlockSpec("a/b", 4096), new BlockSpec("a_b", 4096)), 4096))
                .hasValue("two RAMBlocks map to the same file name a_b.img");
    }
}
