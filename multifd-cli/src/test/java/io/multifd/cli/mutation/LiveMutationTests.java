package io.multifd.cli.mutation;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.DecodeResult;
import io.multifd.core.qemu.live.QemuReceiver;
import io.multifd.core.qemu.live.ReceiveOptions;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.RecordingResult;
import io.multifd.core.registry.MethodRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sample of the mutation campaign fed to the live receiver ({@link QemuReceiver}, the code
 * path of {@code qemu-receive}) over loopback: each connection written by its own thread, as a
 * QEMU source would. Every case must end in a clean {@link MultifdException} with the output
 * folder marked {@value ReceivedMigration#INCOMPLETE} and no {@code blocks.json}, or in the
 * unmutated image; {@code -Dmultifd.mutation.live=N} runs N cases.
 */
class LiveMutationTests {

    static MethodRegistry registry;
    static Campaign campaign;
    static List<Stream> seeds;
    static Path work;
    static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "live-mutation");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void seeds() throws Exception {
        work = Files.createTempDirectory("multifd-live-mutation-");
        registry = MethodRegistry.discover();
        campaign = new Campaign(registry, work);
        seeds = campaign.seeds(false);
    }

    @AfterAll
    static void cleanUp() {
        campaign.close();
        POOL.shutdownNow();
        Campaign.deleteTree(work);
    }

    @Test
    @Timeout(3600)
    void mutantsOverLoopbackEndCleanly() throws Exception {
        int cases = Integer.getInteger("multifd.mutation.live", 42);
        Mutator.Op[] ops = Mutator.Op.values();
        Map<Campaign.Outcome, Integer> counts = new EnumMap<>(Campaign.Outcome.class);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            Mutator.Op op = ops[i % ops.length];
            Stream s = seeds.get((i / ops.length) % seeds.size());
            long seed = 0x11FE_0000L + i;
            Mutator.Mutant m = Mutator.mutate(s, op, seed);
            Campaign.Result r = receive(s, m, work.resolve("live-" + i));
            counts.merge(r.outcome(), 1, Integer::sum);
            if (r.outcome() == Campaign.Outcome.FAILURE) {
                String f = "live case " + i + ": stream " + s.name() + ", op " + op + ", seed " + seed + ": "
                        + m.description() + "\n    -> " + r.detail();
                failures.add(f);
                System.out.println("FAILURE " + f);
            }
        }
        System.out.printf("live mutation sample: %d cases: %d clean errors, %d correct images, %d undetectable, "
                        + "%d failures%n", cases, counts.getOrDefault(Campaign.Outcome.CLEAN_ERROR, 0),
                counts.getOrDefault(Campaign.Outcome.CORRECT, 0),
                counts.getOrDefault(Campaign.Outcome.UNDETECTABLE_DIFF, 0),
                counts.getOrDefault(Campaign.Outcome.FAILURE, 0));
        assertThat(MutationCampaignTests.decodeThreadsAlive()).isZero();
        assertThat(failures).isEmpty();
    }

    /**
     * qemu-receive under a flood: 48 stray connections (silent, garbage, closed early) reach it
     * before and between the real ones; it drops them and records the migration correctly.
     */
    @Test
    @Timeout(120)
    void strayConnectionsAreDroppedAndTheMigrationIsServed() throws Exception {
        Stream s = seeds.get(0);
        Mutator.Mutant unchanged = new Mutator.Mutant("unchanged", s.connections().stream().map(Stream.Conn::name)
                .toList(), s.connections().stream().map(Stream.Conn::bytes).toList(), false);
        Campaign.Result r = receive(s, unchanged, work.resolve("flood"), 48);
        assertThat(r.outcome()).as(r.detail()).isEqualTo(Campaign.Outcome.CORRECT);
    }

    static Campaign.Result receive(Stream s, Mutator.Mutant m, Path out) throws Exception {
        return receive(s, m, out, 0);
    }

    static Campaign.Result receive(Stream s, Mutator.Mutant m, Path out, int strays) throws Exception {
        ResolvedMethod method = registry.resolve(s.method(), Map.of(), MethodRegistry.Use.DECODE);
        int channels = s.connections().size() - 1;
        ReceiveOptions options = new ReceiveOptions(new InetSocketAddress("127.0.0.1", 0), channels, s.pageSize(),
                Optional.empty(), out, Duration.ofSeconds(strays > 0 ? 20 : 3), Duration.ofSeconds(3),
                Optional.empty());
        QemuReceiver receiver = new QemuReceiver(method, options);
        InetSocketAddress at = receiver.bind();
        Future<RecordingResult> f = POOL.submit(receiver::receive);
        List<Future<?>> writers = new ArrayList<>();
        List<Socket> flood = new ArrayList<>();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(strays);
        for (int k = 0; k < strays; k++) {
            Socket sock = new Socket();
            flood.add(sock);
            try {
                sock.connect(at, 2000);
            } catch (IOException e) {
                // the receiver stopped listening: its result says why
                break;
            }
            switch (k % 3) {
                case 0 -> {
                    // silent
                }
                case 1 -> {
                    byte[] g = new byte[1 + rnd.nextInt(200)];
                    rnd.nextBytes(g);
                    sock.getOutputStream().write(g);
                }
                default -> sock.close();
            }
            if (k == strays / 2) {
                Thread.sleep(50);
            }
        }
        // multifd connections first, the main one last, as QEMU opens them
        for (int k = m.bytes().size() - 1; k >= 0; k--) {
            byte[] b = m.bytes().get(k);
            writers.add(POOL.submit(() -> {
                try (Socket sock = new Socket()) {
                    sock.connect(at, 2000);
                    sock.setSoTimeout(20_000);
                    OutputStream o = sock.getOutputStream();
                    o.write(b);
                    o.flush();
                    sock.shutdownOutput();
                    InputStream in = sock.getInputStream();
                    while (in.read() >= 0) {
                        // wait until the receiver closes
                    }
                } catch (IOException e) {
                    // the receiver refused or closed the connection: its own result says why
                }
                return null;
            }));
            Thread.sleep(5);
        }
        Campaign.Result r;
        try {
            RecordingResult rec = f.get(60, TimeUnit.SECONDS);
            Map<String, String> sha = rec.decode().blocks().stream().collect(Collectors.toMap(BlockSummary::name,
                    BlockSummary::sha256, (a, b) -> a, LinkedHashMap::new));
            r = sha.equals(s.blockSha()) ? new Campaign.Result(Campaign.Outcome.CORRECT, "")
                    : m.diffAllowed() ? new Campaign.Result(Campaign.Outcome.UNDETECTABLE_DIFF, "")
                    : new Campaign.Result(Campaign.Outcome.FAILURE, "received another image without an error");
        } catch (TimeoutException e) {
            f.cancel(true);
            r = new Campaign.Result(Campaign.Outcome.FAILURE, "no result within 60 s");
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            r = Campaign.judge(t, out.resolve("no-such-folder"));
            if (r.outcome() == Campaign.Outcome.CLEAN_ERROR) {
                if (!Files.exists(out.resolve(ReceivedMigration.INCOMPLETE))
                        || Files.exists(out.resolve(DecodeResult.BLOCKS_JSON))) {
                    r = new Campaign.Result(Campaign.Outcome.FAILURE, "failed receive without the INCOMPLETE marker "
                            + "or with blocks.json: " + t.getMessage());
                }
            }
        } finally {
            receiver.close();
        }
        for (Future<?> w : writers) {
            try {
                w.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                r = new Campaign.Result(Campaign.Outcome.FAILURE, "a writer was still blocked 30 s after the receiver "
                        + "returned: a connection was not closed");
            }
        }
        for (Socket sock : flood) {
            sock.close();
        }
        Campaign.deleteTree(out);
        return r;
    }
}
