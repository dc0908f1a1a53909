package io.multifd.bench;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The compress+decompress bound of issue 7: the cores doing nothing but compress and decompress
 * the image's packets with the compression library alone (no framing, sockets, threads handing
 * work over, or framework). Each of the {@code -t} threads (default 2, the machine's cores) takes
 * every {@code t}-th 512 KiB packet of the image, compresses the packet's non-zero pages as one
 * flushed piece of the thread's own endless stream (what a channel sends: zero pages are not
 * compressed), then decompresses that piece into the packet's own place in a destination image.
 *
 * <p>One operation is one packet, 512 KiB of image with its zero pages, so the bound in image
 * bytes per second is {@code ops/s x 524288}. {@code bench/bound.sh} runs it beside
 * {@code multifd bench --transport jvm2} on the same image file and prints the ratio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class CodecBoundBenchmarks {

    private static final int PAGE = 4096;
    private static final int PACKET_PAGES = 128;
    private static final int PACKET_BYTES = PACKET_PAGES * PAGE;
    private static final int CHUNK = 1 << 30;

    /** The compressor. */
    @Param({"zstd", "zlib"})
    public String method;

    /** The compression level. */
    @Param({"1"})
    public int level;

    /**
     * The image file (as written by {@code multifd bench --write-image} or bench/compare-qemu.sh);
     * empty: the 128 MiB guest-like image of {@link PacketBenchmarks}, laid out in runs.
     */
    @Param({""})
    public String image;

    private MemoryImage generated;
    private final List<ByteBuffer> source = new ArrayList<>();
    private final List<ByteBuffer> destination = new ArrayList<>();
    /** Per packet: start and end byte offsets of its runs of non-zero pages. */
    private int[][] runs;
    /** Per packet: decoded at least once (each packet belongs to one thread; read after the threads end). */
    private boolean[] done;

    /** Creates the state (JMH). */
    public CodecBoundBenchmarks() {
    }

    /**
     * Maps or generates the image, finds each packet's runs of non-zero pages, allocates the
     * destination.
     *
     * @throws IOException when the image file cannot be mapped
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        long bytes;
        if (image.isEmpty()) {
            bytes = (long) PacketBenchmarks.PAGES * PAGE;
            generated = MemoryImage.allocate(PAGE, List.of(new BlockSpec("pc.ram", bytes)));
            Block b = generated.blocks().get(0);
            PacketBenchmarks.fill(b, true);
            source.add(b.window(0, (int) bytes));
        } else {
            try (FileChannel fc = FileChannel.open(Path.of(image), StandardOpenOption.READ)) {
                bytes = fc.size() / PACKET_BYTES * PACKET_BYTES;
                for (long at = 0; at < bytes; at += CHUNK) {
                    source.add(fc.map(FileChannel.MapMode.READ_ONLY, at, Math.min(CHUNK, bytes - at)));
                }
            }
        }
        int packets = (int) (bytes / PACKET_BYTES);
        runs = new int[packets][];
        done = new boolean[packets];
        for (int p = 0; p < packets; p++) {
            ByteBuffer chunk = chunkOf(source, p);
            int base = offsetIn(p);
            int[] r = new int[2 * PACKET_PAGES];
            int n = 0;
            for (int i = 0; i < PACKET_PAGES; i++) {
                int at = base + i * PAGE;
                if (isZero(chunk, at)) {
                    continue;
                }
                if (n > 0 && r[n - 1] == at) {
                    r[n - 1] = at + PAGE;
                } else {
                    r[n++] = at;
                    r[n++] = at + PAGE;
                }
            }
            runs[p] = Arrays.copyOf(r, n);
        }
        for (long at = 0; at < bytes; at += CHUNK) {
            destination.add(ByteBuffer.allocateDirect((int) Math.min(CHUNK, bytes - at)));
        }
    }

    /**
     * Checks that every non-zero page of every packet decoded so far arrived intact in the
     * destination: a bound that decoded wrong would be no bound. (A short run may not reach every
     * packet.)
     */
    @TearDown(Level.Trial)
    public void check() {
        for (int p = 0; p < runs.length; p++) {
            if (!done[p]) {
                continue;
            }
            ByteBuffer from = chunkOf(source, p);
            ByteBuffer to = chunkOf(destination, p);
            for (int i = 0; i < runs[p].length; i += 2) {
                int start = runs[p][i];
                int end = runs[p][i + 1];
                if (from.slice(start, end - start).mismatch(to.slice(start, end - start)) != -1) {
                    throw new IllegalStateException(method + ": packet " + p + " decoded wrong at bytes " + start
                            + ".." + end);
                }
            }
        }
        if (generated != null) {
            generated.close();
        }
    }

    /** One thread's codec state and its share of the packets. */
    @State(Scope.Thread)
    public static class Codec {
        private ZstdCompressCtx zc;
        private ZstdDecompressCtx zd;
        private Deflater deflater;
        private Inflater inflater;
        private ByteBuffer out;
        private final ByteBuffer scratch = ByteBuffer.allocateDirect(PAGE);
        private int next;
        private int step;
        private int first;

        /** Creates the state (JMH). */
        public Codec() {
        }

        /**
         * Opens this thread's stream.
         *
         * @param b  the benchmark
         * @param tp this thread's index and the thread count
         */
        @Setup(Level.Trial)
        public void setUp(CodecBoundBenchmarks b, ThreadParams tp) {
            first = tp.getThreadIndex();
            step = tp.getThreadCount();
            next = first;
            out = ByteBuffer.allocateDirect(2 * PACKET_BYTES);
            if (b.method.equals("zstd")) {
                zc = new ZstdCompressCtx().setLevel(b.level);
                zd = new ZstdDecompressCtx();
            } else {
                deflater = new Deflater(b.level);
                inflater = new Inflater();
            }
        }

        /** Frees the contexts. */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (zc != null) {
                zc.close();
                zd.close();
            } else {
                deflater.end();
                inflater.end();
            }
        }

        int nextPacket(int packets) {
            if (next >= packets) {
                next = first;
            }
            int p = next;
            next += step;
            return p;
        }
    }

    /**
     * Compresses one packet's non-zero pages and decompresses them into their place.
     *
     * @param c this thread's codec
     * @return compressed bytes
     * @throws DataFormatException when zlib finds its own output corrupt
     */
    @Benchmark
    public int packet(Codec c) throws DataFormatException {
        int p = c.nextPacket(runs.length);
        int[] r = runs[p];
        if (r.length == 0) {
            return 0;
        }
        ByteBuffer src = chunkOf(source, p).duplicate();
        ByteBuffer dst = chunkOf(destination, p).duplicate();
        ByteBuffer out = c.out.clear();
        if (c.zc != null) {
            for (int i = 0; i < r.length; i += 2) {
                src.limit(r[i + 1]).position(r[i]);
                boolean last = i == r.length - 2;
                EndDirective d = last ? EndDirective.FLUSH : EndDirective.CONTINUE;
                while (true) {
                    boolean flushed = c.zc.compressDirectByteBufferStream(out, src, d);
                    if (last ? flushed && !src.hasRemaining() : !src.hasRemaining()) {
                        break;
                    }
                }
            }
            out.flip();
            for (int i = 0; i < r.length; i += 2) {
                dst.limit(r[i + 1]).position(r[i]);
                while (dst.hasRemaining()) {
                    c.zd.decompressDirectByteBufferStream(dst, out);
                }
            }
            while (out.hasRemaining()) { // the flush's block ends: nothing more may come out
                c.scratch.clear();
                c.zd.decompressDirectByteBufferStream(c.scratch, out);
                if (c.scratch.position() > 0) {
                    throw new IllegalStateException("packet " + p + " decodes to more than its pages");
                }
            }
        } else {
            for (int i = 0; i < r.length; i += 2) {
                src.limit(r[i + 1]).position(r[i]);
                c.deflater.setInput(src);
                while (!c.deflater.needsInput()) {
                    c.deflater.deflate(out, Deflater.NO_FLUSH);
                }
            }
            c.deflater.deflate(out, Deflater.SYNC_FLUSH);
            if (!out.hasRemaining() || !c.deflater.needsInput()) {
                throw new IllegalStateException("packet " + p + " deflates to more than " + out.capacity() + " bytes");
            }
            out.flip();
            c.inflater.setInput(out);
            for (int i = 0; i < r.length; i += 2) {
                dst.limit(r[i + 1]).position(r[i]);
                while (dst.hasRemaining()) {
                    if (c.inflater.inflate(dst) == 0 && c.inflater.needsInput()) {
                        throw new DataFormatException("packet " + p + " ends early");
                    }
                }
            }
            while (!c.inflater.needsInput()) { // the sync flush's empty block: nothing more may come out
                c.scratch.clear();
                if (c.inflater.inflate(c.scratch) > 0) {
                    throw new IllegalStateException("packet " + p + " decodes to more than its pages");
                }
            }
        }
        done[p] = true;
        return out.limit();
    }

    private static ByteBuffer chunkOf(List<ByteBuffer> chunks, int packet) {
        return chunks.get((int) ((long) packet * PACKET_BYTES / CHUNK));
    }

    private static int offsetIn(int packet) {
        return (int) ((long) packet * PACKET_BYTES % CHUNK);
    }

    private static boolean isZero(ByteBuffer chunk, int at) {
        for (int i = 0; i < PAGE; i += 8) {
            if (chunk.getLong(at + i) != 0) {
                return false;
            }
        }
        return true;
    }
}
