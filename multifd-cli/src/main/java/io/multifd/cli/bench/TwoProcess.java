package io.multifd.cli.bench;

import io.multifd.api.MultifdException;
import io.multifd.core.engine.DirtyPages;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.SendRequest;
import io.multifd.core.engine.SourceSession;
import io.multifd.core.engine.TcpSource;
import io.multifd.core.engine.TransferStats;
import io.multifd.core.image.Block;
import io.multifd.core.image.MemoryImage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The two-process benchmark: this JVM is the source, a second JVM started from the same module
 * path is the destination ({@code multifd bench-destination}), both over loopback TCP, the way
 * two QEMU processes migrate. Each JVM warms up (JIT) with an untimed in-process transfer first;
 * the destination's memory is preallocated and touched before the transfer, or left cold (a fresh
 * mapping that faults in during the transfer). Timed: connect to the destination's verdict.
 * Verified: a CRC-32C of the received image, computed by the destination after the timing, equals
 * the source's.
 */
public final class TwoProcess {

    /** Main class of the command line, started in the destination JVM. */
    private static final String MAIN = "io.multifd.cli/io.multifd.cli.Main";

    private TwoProcess() {
    }

    /**
     * CRC-32C of every page of an image, block by block.
     *
     * @param image the image
     * @return the checksum
     */
    public static long checksum(MemoryImage image) {
        CRC32C crc = new CRC32C();
        int pageSize = image.pageSize();
        for (Block b : image.blocks()) {
            long size = b.size();
            for (long at = 0; at < size; at += 1 << 20) {
                int len = (int) Math.min(1 << 20, size - at);
                ByteBuffer chunk = b.readOnlyChunk(at);
                int off = b.chunkOffset(at);
                crc.update(chunk.slice(off, len));
            }
            if (size % pageSize != 0) {
                throw new IllegalStateException("block " + b.name() + " is not a whole number of pages");
            }
        }
        return crc.getValue();
    }

    /**
     * Collects the warm-up's garbage and waits until its direct buffers are freed (their cleaners
     * run on the Reference Handler thread after the GC: unmapping 256 MiB, and G1 clearing
     * regions, took several percent of the CPU of a timed run when the GC was left right before
     * it). The transfer itself allocates nothing, so no GC is due during the timing.
     */
    public static void settleAfterWarmUp() {
        System.gc();
        java.lang.management.BufferPoolMXBean direct = ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
        long last = -1;
        int stable = 0;
        for (int i = 0; i < 100 && stable < 3; i++) {
            long used = direct == null ? 0 : direct.getMemoryUsed();
            stable = used == last ? stable + 1 : 0;
            last = used;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reads one long of every page, so that the image's memory is mapped in before the timing. */
    private static void touch(MemoryImage image) {
        long sum = 0;
        for (Block b : image.blocks()) {
            for (long at = 0; at < b.size(); at += image.pageSize()) {
                sum += b.readOnlyChunk(at).getLong(b.chunkOffset(at));
            }
        }
        touched = sum; // kept, so the reads are not optimised away
    }

    /** The sum of the last {@link #touch}'s reads. */
    private static volatile long touched;

    /** @return CPU seconds this process used so far (all threads: JIT and GC included) */
    public static double processCpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /**
     * One timed run.
     *
     * @param source      the image, one RAMBlock, in memory
     * @param sourceCrc   its {@link #checksum}
     * @param choice      method and settings
     * @param channels    data channels
     * @param prealloc    destination memory preallocated and touched (else cold)
     * @param warmupBytes bytes of each side's untimed in-process warm-up transfers, 0 for none
     * @param warmupLimit the longest warm-up of each side
     * @param peerArgs    arguments for the destination's {@code bench-destination} (method, level...)
     * @param options     engine settings
     * @param log         progress lines
     * @param peerOutput  what else the destination JVM prints (its warm-up line, warnings, errors),
     *                    line by line, from both its standard output and its standard error
     * @return the verified result
     * @throws MultifdException when a side fails or the checksums differ
     */
    public static BenchResult run(MemoryImage source, long sourceCrc, MethodChoice choice, int channels,
                                  boolean prealloc, long warmupBytes, java.time.Duration warmupLimit,
                                  List<String> peerArgs, EngineOptions options,
                                  java.util.function.Consumer<String> log,
                                  java.util.function.Consumer<String> peerOutput) throws MultifdException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agent") && !a.startsWith("-Xlog")) {
                cmd.add(a);
            }
        }
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null) {
            cmd.add("-p");
            cmd.add(modulePath);
            cmd.add("-m");
            cmd.add(MAIN);
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.multifd.cli.Main");
        }
        cmd.add("bench-destination");
        cmd.add("--bytes=" + source.totalBytes());
        cmd.add("--page-size=" + source.pageSize());
        cmd.add("--channels=" + channels);
        cmd.add(prealloc ? "--prealloc" : "--cold");
        cmd.add("--warmup=" + warmupBytes);
        cmd.add("--warmup-limit=" + warmupLimit.toMillis() / 1000.0);
        cmd.addAll(peerArgs);
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new MultifdException("cannot start the destination JVM " + cmd + ": " + e.getMessage(), e);
        }
        PeerLines peer = new PeerLines(p, peerOutput);
        try {
            if (warmupBytes > 0) {
                log.accept("source " + Bench.warmUp(source.pageSize(), warmupBytes, choice, channels, options,
                        warmupLimit));
            }
            // both warmed up: touch the source image again and let the destination touch its memory,
            // right before the transfer (memory idle for seconds is slow to touch on some VMs, and the
            // warm-up left it idle; QEMU's source and destination start migrating soon after filling it)
            peer.expect("WARM");
            settleAfterWarmUp();
            touch(source);
            try {
                p.getOutputStream().write("GO\n".getBytes(StandardCharsets.US_ASCII));
                p.getOutputStream().flush();
            } catch (IOException e) {
                throw new MultifdException("lost the destination JVM: " + e.getMessage(), e);
            }
            int port = Integer.parseInt(value(peer.expect("READY"), "port"));
            log.accept(String.format(Locale.ROOT, "destination JVM pid %d ready on port %d (%s memory)", p.pid(),
                    port, prealloc ? "preallocated" : "cold"));
            double cpu0 = processCpuSeconds();
            long t0 = System.nanoTime();
            TransferStats sent;
            try (SourceSession s = TcpSource.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    new SendRequest(channels, List.of(choice), UUID.randomUUID(), options), source)) {
                s.sendPass(DirtyPages.all());
                sent = s.finish();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = processCpuSeconds() - cpu0;
            String result = peer.expect("RESULT");
            long crc = Long.parseLong(value(result, "crc32c"));
            if (crc != sourceCrc) {
                throw new MultifdException(String.format("bench %s x%d: the destination's image has CRC-32C %08x, "
                        + "the source's %08x", choice.provider().name(), channels, crc, sourceCrc));
            }
            double destCpu = Double.parseDouble(value(result, "cpu"));
            double destCodec = Double.parseDouble(value(result, "codec"));
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroy();
            }
            peer.drained();
            return new BenchResult(choice.provider().name(), Bench.settings(choice), channels, "jvm2",
                    source.totalBytes(), sent.total().wireBytes(), sent.total().normalPages(),
                    sent.total().zeroPages(), Double.NaN, Double.NaN, seconds, sent.total().codecNanos() / 1e9,
                    destCodec, cpu, destCpu, prealloc ? "prealloc" : "cold");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MultifdException("interrupted", e);
        } finally {
            if (p.isAlive()) {
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * The destination's standard output, read continuously by a daemon thread so that the
     * destination never blocks on a full pipe (a JVM flag such as {@code -XX:+PrintCompilation},
     * passed on to it, prints a lot while the source is busy with the timed transfer). Protocol
     * lines ({@code TAG key=value...}) are queued; every other line is copied to standard error.
     * The thread ends with the destination process (end of its output).
     */
    private static final class PeerLines {
        private static final String EOF = "\u0000EOF";
        private final Process process;
        private final java.util.function.Consumer<String> other;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread out;
        private final Thread err;

        /** Drains both output streams of the destination (a full pipe would block it). */
        PeerLines(Process process, java.util.function.Consumer<String> other) {
            this.process = process;
            this.other = other;
            this.out = drain(process.getInputStream(), true, "bench-destination-output");
            this.err = drain(process.getErrorStream(), false, "bench-destination-errors");
        }

        private Thread drain(java.io.InputStream stream, boolean protocol, String name) {
            Thread t = new Thread(() -> pump(stream, protocol), name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void pump(java.io.InputStream stream, boolean protocol) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (protocol && (line.equals("WARM") || line.startsWith("READY ") || line.startsWith("RESULT "))) {
                        lines.add(line);
                    } else {
                        other.accept(line);
                    }
                }
            } catch (IOException e) {
                other.accept("bench: lost the destination's " + (protocol ? "output" : "errors") + ": "
                        + e.getMessage());
            } finally {
                if (protocol) {
                    lines.add(EOF);
                }
            }
        }

        /** Waits a little for the last lines of an ended destination to be passed on. */
        void drained() throws InterruptedException {
            out.join(2000);
            err.join(2000);
        }

        /** @return the next line starting with {@code tag}; fails when the destination ended first */
        String expect(String tag) throws MultifdException, InterruptedException {
            while (true) {
                String line = lines.poll(10, TimeUnit.MINUTES);
                if (line == null) {
                    throw new MultifdException("the destination JVM (pid " + process.pid() + ") sent no " + tag
                            + " line within 10 minutes");
                }
                if (line == EOF) {
                    lines.add(EOF);
                    int code = process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
                    err.join(2000); // its last messages first
                    throw new MultifdException("the destination JVM ended (exit " + code + ") before " + tag
                            + "; its messages are above");
                }
                if (line.equals(tag) || line.startsWith(tag + " ")) {
                    return line;
                }
            }
        }    }

    /** Reads {@code key=value} from a line of space-separated pairs. */
    static String value(String line, String key) throws MultifdException {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new MultifdException("the destination's line '" + line + "' has no " + key);
    }
}
