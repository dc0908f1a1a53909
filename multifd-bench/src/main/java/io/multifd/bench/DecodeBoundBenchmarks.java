package io.multifd.bench;

import com.github.luben.zstd.ZstdDecompressCtx;
import io.multifd.api.MultifdException;
import io.multifd.core.wire.Wire;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The decode bound of one channel: the compressor library alone decoding the payloads of the same
 * tape that {@link PacketBenchmarks#recv()} decodes through the framework (header read and
 * validation, method hooks, page views, writes into a destination image), one packet per
 * invocation, on one thread. {@code recv / raw} is the share of the library's single-thread decode
 * speed that a channel of {@code qemu-decode} or of a destination reaches (issue target: 0.9).
 * {@code raw} decodes into one contiguous 512 KiB buffer with one call per packet, the fastest way
 * the library offers (its output stays in the caches); {@code rawIntoImage} decodes each packet into
 * its own place of an image-sized buffer, as a destination must.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeBoundBenchmarks {

    private static final int PAGE = 4096;

    /** The method whose payloads are decoded. */
    @Param({"zstd", "zlib"})
    public String method;

    /** The page layout of the image (see {@link PacketBenchmarks#layout}). */
    @Param({"runs", "pages"})
    public String layout;

    private final List<ByteBuffer> payloads = new ArrayList<>();
    private final List<byte[]> heapPayloads = new ArrayList<>();
    private final ByteBuffer out = ByteBuffer.allocateDirect(128 * PAGE);
    private final byte[] heapOut = new byte[128 * PAGE];
    /** An image-sized destination: packet {@code i} decodes into its slot {@code i}, as recv's do. */
    private ByteBuffer image;
    private byte[] heapImage;
    private int next;
    private ZstdDecompressCtx zstd;
    private Inflater inflater;

    /** Creates the state (JMH). */
    public DecodeBoundBenchmarks() {
    }

    /**
     * Encodes the image of {@link PacketBenchmarks} into a tape and keeps each packet's payload.
     *
     * @throws MultifdException when the method cannot be set up
     */
    @Setup(Level.Trial)
    public void setUp() throws MultifdException {
        PacketBenchmarks encoded = new PacketBenchmarks();
        encoded.method = method;
        encoded.layout = layout;
        encoded.setUp();
        ByteBuffer tape = ByteBuffer.wrap(encoded.tape());
        encoded.tearDown();
        int header = Wire.ramHeaderBytes(PAGE);
        tape.position(Wire.INIT_PACKET_BYTES);
        while (tape.remaining() >= header) {
            int at = tape.position();
            int size = tape.getInt(at + 20); // next_packet_size
            if (size > 0) {
                byte[] p = new byte[size];
                tape.get(at + header, p);
                heapPayloads.add(p);
                payloads.add(ByteBuffer.allocateDirect(size).put(p).flip());
            }
            tape.position(at + header + size);
        }
        image = ByteBuffer.allocateDirect(payloads.size() * 128 * PAGE);
        heapImage = new byte[payloads.size() * 128 * PAGE];
        restart();
    }

    /** A fresh stream: the payloads of one channel continue one compression stream. */
    private void restart() {
        next = 0;
        if (zstd != null) {
            zstd.close();
        }
        if (inflater != null) {
            inflater.end();
        }
        zstd = new ZstdDecompressCtx();
        inflater = new Inflater();
    }

    /** Frees the contexts. */
    @TearDown(Level.Trial)
    public void tearDown() {
        zstd.close();
        inflater.end();
    }

    /**
     * Decodes the next packet's payload with the library alone.
     *
     * @return bytes produced
     * @throws DataFormatException when zlib finds the data corrupt
     */
    @Benchmark
    public int raw() throws DataFormatException {
        if (next == payloads.size()) {
            restart();
        }
        int i = next++;
        if (method.equals("zstd")) {
            ByteBuffer in = payloads.get(i).duplicate();
            out.clear();
            while (in.hasRemaining()) {
                zstd.decompressDirectByteBufferStream(out, in);
            }
            return out.position();
        }
        byte[] in = heapPayloads.get(i);
        inflater.setInput(in);
        int n = 0;
        while (!inflater.needsInput()) {
            n += inflater.inflate(heapOut, n, heapOut.length - n);
        }
        return n;
    }

    /**
     * Decodes the next packet's payload with the library alone into that packet's own 512 KiB of
     * an image-sized buffer, as {@link PacketBenchmarks#recv()} writes each packet's pages into
     * their own place of the destination image: the same output memory traffic (the image no
     * longer fits in the caches), without the framework.
     *
     * @return bytes produced
     * @throws DataFormatException when zlib finds the data corrupt
     */
    @Benchmark
    public int rawIntoImage() throws DataFormatException {
        if (next == payloads.size()) {
            restart();
        }
        int i = next++;
        int at = i * 128 * PAGE;
        if (method.equals("zstd")) {
            ByteBuffer in = payloads.get(i).duplicate();
            ByteBuffer dst = image.limit(at + 128 * PAGE).position(at);
            while (in.hasRemaining()) {
                zstd.decompressDirectByteBufferStream(dst, in);
            }
            return dst.position() - at;
        }
        inflater.setInput(heapPayloads.get(i));
        int n = 0;
        while (!inflater.needsInput()) {
            n += inflater.inflate(heapImage, at + n, 128 * PAGE - n);
        }
        return n;
    }
}
