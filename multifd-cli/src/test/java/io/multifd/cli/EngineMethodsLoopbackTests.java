package io.multifd.cli;

import io.multifd.api.MethodProvider;
import io.multifd.core.engine.DestinationResult;
import io.multifd.core.engine.DirtyPages;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.MemorySink;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.ReceivePolicy;
import io.multifd.core.engine.SendRequest;
import io.multifd.core.engine.SourceSession;
import io.multifd.core.engine.TcpDestination;
import io.multifd.core.engine.TcpSource;
import io.multifd.core.engine.TransferStats;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The real methods, found by the registry as the CLI finds them, through the engine over loopback
 * TCP: 1, 2, 4 and 8 channels, four passes with dirty pages re-sent in between.
 */
class EngineMethodsLoopbackTests {

    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(20));

    @ParameterizedTest(name = "{0} over {1} channels")
    @CsvSource({"none,1", "none,2", "none,4", "none,8", "zlib,1", "zlib,2", "zlib,4", "zlib,8",
                "zstd,1", "zstd,2", "zstd,4", "zstd,8"})
    void passesWithDirtyPagesArriveBitExact(String name, int channels) throws Exception {
        MethodRegistry registry = MethodRegistry.discover();
        MethodProvider provider = registry.require(name, MethodRegistry.Use.BOTH).provider();
        List<MethodProvider> all = registry.methods().stream().map(DiscoveredMethod::provider).toList();
        MemoryImage source = image(channels * 31L, List.of(new BlockSpec("pc.ram", 4L << 20),
                new BlockSpec("pc.bios", 256 << 10)));
        MemorySink sink = new MemorySink();
        long pagesSent = source.totalBytes() / 4096;
        TransferStats sent;
        DestinationResult got;
        try (TcpDestination d = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ReceivePolicy.of(all), OPTIONS)) {
            CompletableFuture<DestinationResult> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return d.receive(sink);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SourceSession s = TcpSource.connect(d.localAddress(),
                    SendRequest.of(channels, List.of(MethodChoice.of(provider))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                for (int pass = 2; pass <= 4; pass++) {
                    Map<String, BitSet> dirty = mutate(source, pass * 100L + channels);
                    s.sendPass(DirtyPages.of(dirty));
                    pagesSent += dirty.values().stream().mapToLong(BitSet::cardinality).sum();
                }
                sent = s.finish();
            }
            got = f.get(60, TimeUnit.SECONDS);
        }
        MemoryImage dest = sink.image().orElseThrow();
        for (Block b : source.blocks()) {
            Block c = dest.block(b.name()).orElseThrow();
            for (long p = 0; p < b.pages(); p++) {
                if (b.readPage(p * 4096).mismatch(c.readPage(p * 4096)) != -1) {
                    fail("%s over %d channels: RAMBlock %s page %d differs", name, channels, b.name(), p);
                }
            }
        }
        assertThat(got.method().name()).isEqualTo(name);
        assertThat(sent.total().normalPages() + sent.total().zeroPages()).isEqualTo(pagesSent);
        assertThat(sent.total().syncPackets()).isEqualTo(5L * channels);
        assertThat(got.stats().total().normalPages()).isEqualTo(sent.total().normalPages());
        if (!name.equals("none")) {
            assertThat(sent.ratio()).as("compression ratio of %s", name).isGreaterThan(2.0);
        }
    }

    /** Zero, text-like, repeated and random pages. */
    static MemoryImage image(long seed, List<BlockSpec> specs) {
        MemoryImage img = MemoryImage.allocate(4096, specs);
        SplittableRandom r = new SplittableRandom(seed);
        for (Block b : img.blocks()) {
            for (long p = 0; p < b.pages(); p++) {
                fill(b.page(p * 4096), r);
            }
        }
        return img;
    }

    static void fill(ByteBuffer page, SplittableRandom r) {
        int kind = r.nextInt(4);
        for (int i = 0; i < page.capacity(); i += 8) {
            long v = switch (kind) {
                case 0 -> 0L;
                case 1 -> 0x2065687420666f20L + r.nextInt(4);   // " of the " with a little noise
                case 2 -> i % 64 == 0 ? r.nextLong() : 0x6b6b6b6b6b6b6b6bL;
                default -> r.nextLong();
            };
            page.putLong(i, v);
        }
    }

    static Map<String, BitSet> mutate(MemoryImage img, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, BitSet> dirty = new LinkedHashMap<>();
        for (Block b : img.blocks()) {
            BitSet set = new BitSet();
            for (int p = 0; p < b.pages(); p++) {
                if (r.nextInt(5) == 0) {
                    set.set(p);
                    fill(b.page(p * 4096L), r);
                }
            }
            dirty.put(b.name(), set);
        }
        return dirty;
    }
}
