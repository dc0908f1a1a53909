package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The receive barrier keeps page versions in order: every page is sent in pass 1 (version 1) and
 * again in pass 2 (version 2). Pass 1 goes mostly over channel 0 and pass 2 mostly over channel 1
 * (the other channel is slowed down on the send side), and the destination decodes channel 0
 * slowly. Without the barrier, channel 1 applies version 2 while channel 0 is still applying
 * version 1 of the same pages, so old copies overwrite new ones.
 */
class ReceiveBarrierTests {

    private static final int PAGE = 4096;
    private static final int PAGES = 1024;

    @Test
    void withTheBarrierNoOlderCopyOverwritesANewerOne() throws Exception {
        MemoryImage got = transfer(true);
        assertAllPagesHaveVersion(got, 2);
    }

    @Test
    void withoutTheBarrierOlderCopiesOverwriteNewerOnesSoTheTestAboveCanFail() throws Exception {
        MemoryImage got = transfer(false);
        long stale = 0;
        Block b = got.blocks().get(0);
        for (long p = 0; p < PAGES; p++) {
            if (b.readPage(p * PAGE).get(0) != 2) {
                stale++;
            }
        }
        assertThat(stale).as("pages left at version 1 without the barrier").isPositive();
    }

    private static void assertAllPagesHaveVersion(MemoryImage img, int version) {
        Block b = img.blocks().get(0);
        for (long p = 0; p < PAGES; p++) {
            ByteBuffer page = b.readPage(p * PAGE);
            assertThat(page.get(0)).as("version of page %d", p).isEqualTo((byte) version);
            assertThat(page.getInt(8)).as("index in page %d", p).isEqualTo((int) p);
        }
    }

    private static MemoryImage transfer(boolean barrier) throws Exception {
        // send side: version-1 pages are slow on channel 1, version-2 pages slow on channel 0
        // receive side: channel 0 is slow
        MethodProvider provider = TestMethods.copy("test-versions",
                (channel, version) -> (version == 1 && channel == 1) || (version == 2 && channel == 0) ? 60 : 0,
                (channel, version) -> channel == 0 ? 40 : 0);
        ResolvedMethod method = ResolvedMethod.create(provider, Map.of());
        MemoryImage source = MemoryImage.allocate(PAGE, List.of(new BlockSpec("pc.ram", (long) PAGES * PAGE)));
        setVersion(source, 1);
        MemoryImage dest = MemoryImage.allocate(PAGE, source.specs());
        LocalLink link = LocalLink.withVerdict(Duration.ofSeconds(30));
        List<WritableByteChannel> outs = new ArrayList<>();
        List<ReadableByteChannel> ins = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            MemoryPipe p = new MemoryPipe();
            outs.add(p.sink());
            ins.add(p.source());
        }
        EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(20));
        // the destination reads the init packets itself in TcpDestination; here skip them
        List<ReadableByteChannel> afterInit = new ArrayList<>();
        for (ReadableByteChannel in : ins) {
            afterInit.add(new SkipInit(in));
        }
        DestinationSession d = new DestinationSession(method, PAGE, afterInit, link.destination(), Optional.of(dest),
                blocks -> dest, options, barrier);
        CompletableFuture<TransferStats> received = CompletableFuture.supplyAsync(() -> {
            try {
                TransferStats st = d.run();
                link.destination().done("ok");
                return st;
            } catch (MultifdException e) {
                throw new IllegalStateException(e);
            }
        });
        try (SourceSession s = SourceSession.start(method, UUID.randomUUID(), source, outs, link.source(), options)) {
            s.sendPass(DirtyPages.all());
            setVersion(source, 2);
            s.sendPass(DirtyPages.all());
            TransferStats sent = s.finish();
            // pass 1 went mostly over channel 0, pass 2 mostly over channel 1
            assertThat(sent.channels().get(0).dataPackets()).isPositive();
            assertThat(sent.channels().get(1).dataPackets()).isPositive();
        }
        received.get(60, TimeUnit.SECONDS);
        d.close();
        Fixtures.assertNoEngineThreads();
        return dest;
    }

    private static void setVersion(MemoryImage img, int version) {
        Block b = img.blocks().get(0);
        for (long p = 0; p < PAGES; p++) {
            ByteBuffer page = b.page(p * PAGE);
            page.put(0, (byte) version);
            page.putInt(8, (int) p);
        }
    }

    @Test
    void aDestinationWithoutTheEndRecordFailsAndNamesTheProblem() {
        assertThatThrownBy(() -> {
            MethodProvider provider = TestMethods.copy();
            ResolvedMethod method = ResolvedMethod.create(provider, Map.of());
            MemoryImage dest = MemoryImage.allocate(PAGE, List.of(new BlockSpec("pc.ram", 4L * PAGE)));
            LocalLink link = LocalLink.recorded();
            MemoryPipe p = new MemoryPipe();
            link.source().flush(1);
            link.source().close();
            p.sink().close();
            try (DestinationSession d = new DestinationSession(method, PAGE, List.of(p.source()), link.destination(),
                    Optional.of(dest), blocks -> dest, EngineOptions.DEFAULTS)) {
                d.run();
            }
        }).isInstanceOf(MultifdException.class).hasMessageContaining("channel 0 ended after 0 SYNC packets");
    }

    /** Drops the 64-byte init packet the source writes (TcpDestination reads it in real use). */
    private static final class SkipInit implements ReadableByteChannel {
        private final ReadableByteChannel in;
        private boolean skipped;

        SkipInit(ReadableByteChannel in) {
            this.in = in;
        }

        @Override
        public int read(java.nio.ByteBuffer dst) throws java.io.IOException {
            if (!skipped) {
                java.nio.ByteBuffer init = java.nio.ByteBuffer.allocate(64);
                while (init.hasRemaining()) {
                    if (in.read(init) < 0) {
                        return -1;
                    }
                }
                skipped = true;
            }
            return in.read(dst);
        }

        @Override
        public boolean isOpen() {
            return in.isOpen();
        }

        @Override
        public void close() throws java.io.IOException {
            in.close();
        }
    }
}
