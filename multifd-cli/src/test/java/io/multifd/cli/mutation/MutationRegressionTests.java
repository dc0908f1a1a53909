package io.multifd.cli.mutation;

import io.multifd.core.registry.MethodRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every failure the mutation campaign found, replayed from its stream, operator and seed (the
 * mutator is deterministic), through the path that failed.
 */
class MutationRegressionTests {

    static MethodRegistry registry;
    static Campaign campaign;
    static List<Stream> seeds;
    static Path work;

    @BeforeAll
    static void seeds() throws Exception {
        work = Files.createTempDirectory("multifd-mutation-regressions-");
        registry = MethodRegistry.discover();
        campaign = new Campaign(registry, work);
        seeds = campaign.seeds(false);
        LiveMutationTests.registry = registry;
    }

    @AfterAll
    static void cleanUp() {
        campaign.close();
        Campaign.deleteTree(work);
    }

    static Stream stream(String name) {
        return seeds.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("capture set " + name + " is missing"));
    }

    /**
     * Live case 13: a data packet whose RAMBlock name is empty made the live recorder's packet tap
     * throw IllegalArgumentException (RecordedPacket) inside the receive thread, reported as an
     * internal error instead of the decoder's "unknown RAMBlock".
     */
    @Test
    void emptyBlockNameOnALiveChannelIsACleanError() throws Exception {
        Stream s = stream("none-2ch");
        Mutator.Mutant m = Mutator.mutate(s, Mutator.Op.UNKNOWN_BLOCK, 301858829L);
        assertThat(m.description()).as("the mutant of the campaign").contains("ramblock :=").endsWith(":=");
        Campaign.Result r = LiveMutationTests.receive(s, m, work.resolve("empty-name"));
        assertThat(r.outcome()).as(r.detail()).isEqualTo(Campaign.Outcome.CLEAN_ERROR);
        assertThat(r.detail()).contains("ramblock").contains("unknown RAMBlock ''");
    }

    /**
     * Campaign case 87 (default seed): a 2^50-byte RAMBlock (and MEM_SIZE total) made the decoder
     * try to map a 1 PiB image ("File too large" from the image, an unchecked exception) instead
     * of refusing the size against a limit first.
     */
    @Test
    void aHugeRamBlockIsRefusedAgainstTheLimitBeforeAnyImageIsCreated() {
        Stream s = stream("zlib-l1-2ch");
        Mutator.Mutant m = Mutator.mutate(s, Mutator.Op.RAM_SIZES, -6307611768790642065L);
        assertThat(m.description()).contains("-> 0x4000000000000");
        Campaign.Result r = campaign.run(s, m);
        assertThat(r.outcome()).as(r.detail()).isEqualTo(Campaign.Outcome.CLEAN_ERROR);
        assertThat(r.detail()).contains("ram total").contains("exceeds the limit");
    }
}
