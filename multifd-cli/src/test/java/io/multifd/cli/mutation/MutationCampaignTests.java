package io.multifd.cli.mutation;

import io.multifd.core.registry.MethodRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mutation campaign on the decoder: {@value #DEFAULT_CASES} cases in CI, any number on demand
 * with {@code -Dmultifd.mutation.cases=N} (and {@code -Dmultifd.mutation.seed=S} for another
 * sequence, {@code -Dmultifd.mutation.first=I} to start at case I, e.g. to replay one case). Every case is replayable from the printed stream, operator and seed with
 * {@link Mutator#mutate}.
 */
class MutationCampaignTests {

    static final int DEFAULT_CASES = 420;
    static final long DEFAULT_SEED = 0x5EED_2025_0008L;

    static MethodRegistry registry;
    static Campaign campaign;
    static List<Stream> seeds;
    static Path work;

    @BeforeAll
    static void seeds() throws Exception {
        work = Files.createTempDirectory("multifd-mutation-");
        registry = MethodRegistry.discover();
        campaign = new Campaign(registry, work);
        seeds = campaign.seeds(true);
        assertThat(seeds).as("capture sets and transcodes").hasSizeGreaterThanOrEqualTo(4);
    }

    @AfterAll
    static void cleanUp() {
        if (campaign != null) {
            campaign.close();
        }
        Campaign.deleteTree(work);
    }

    @Test
    @Timeout(3600 * 24)
    void everyMutantEndsInACleanErrorOrACorrectImage() throws Exception {
        int cases = Integer.getInteger("multifd.mutation.cases", DEFAULT_CASES);
        long base = Long.getLong("multifd.mutation.seed", DEFAULT_SEED);
        Mutator.Op[] ops = Mutator.Op.values();
        Map<Campaign.Outcome, Integer> counts = new EnumMap<>(Campaign.Outcome.class);
        Map<String, int[]> perOp = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long t0 = System.nanoTime();
        int first = Integer.getInteger("multifd.mutation.first", 0);
        for (int i = first; i < first + cases; i++) {
            Mutator.Op op = ops[i % ops.length];
            Stream s = seeds.get((i / ops.length) % seeds.size());
            long seed = base * 1_000_003L + i;
            Mutator.Mutant m = Mutator.mutate(s, op, seed);
            Campaign.Result r = campaign.run(s, m);
            counts.merge(r.outcome(), 1, Integer::sum);
            perOp.computeIfAbsent(op.name(), k -> new int[Campaign.Outcome.values().length])[r.outcome().ordinal()]++;
            if (r.outcome() == Campaign.Outcome.FAILURE) {
                String f = "case " + i + ": stream " + s.name() + ", op " + op + ", seed " + seed + ": "
                        + m.description() + "\n    -> " + r.detail();
                failures.add(f);
                System.out.println("FAILURE " + f);
            }
        }
        assertThat(decodeThreadsAlive()).as("decoder threads alive after the campaign").isZero();
        double secs = (System.nanoTime() - t0) / 1e9;
        StringBuilder report = new StringBuilder();
        report.append(String.format("mutation campaign: %d cases in %.1f s over %d streams (seed %d): %d clean errors, "
                        + "%d correct images, %d undetectable payload changes, %d failures%n", cases, secs, seeds.size(),
                base, counts.getOrDefault(Campaign.Outcome.CLEAN_ERROR, 0),
                counts.getOrDefault(Campaign.Outcome.CORRECT, 0),
                counts.getOrDefault(Campaign.Outcome.UNDETECTABLE_DIFF, 0),
                counts.getOrDefault(Campaign.Outcome.FAILURE, 0)));
        report.append("streams: ").append(seeds.stream().map(Stream::name).toList()).append('\n');
        report.append(String.format("%-22s %8s %8s %8s %8s%n", "operator", "errors", "correct", "undetect", "FAIL"));
        perOp.forEach((k, v) -> report.append(String.format("%-22s %8d %8d %8d %8d%n", k, v[0], v[1], v[2], v[3])));
        System.out.print(report);
        Path dir = Path.of(System.getProperty("multifd.mutation.report", "target-mutation"));
        if (System.getProperty("multifd.mutation.report") != null) {
            Files.createDirectories(dir.getParent() == null ? Path.of(".") : dir.getParent());
            Files.writeString(dir, report.toString());
        }
        assertThat(failures).as("cases that ended in neither a clean error nor a correct image").isEmpty();
    }

    static long decodeThreadsAlive() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long n;
        do {
            n = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("multifd-decode-")).count();
            if (n > 0) {
                Thread.sleep(50);
            }
        } while (n > 0 && System.nanoTime() < deadline);
        return n;
    }
}
