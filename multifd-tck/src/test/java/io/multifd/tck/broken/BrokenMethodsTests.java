package io.multifd.tck.broken;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kit tests itself: each deliberately broken method fails the check of the rule it breaks,
 * with a message naming that rule, and the correct twin of those methods passes every check.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokenMethodsTests {

    private static final String FLAG = "rule_2_5_setsExactlyItsFlag";
    private static final String SIZE = "rule_2_4_nextPacketSizeEqualsPayloadBytes";
    private static final String CONSUMES = "rule_3_3_consumesExactlyItsPayload";
    private static final String LEAKS = "rule_1_5_tenThousandSetupCleanupCyclesLeakNothing";
    private static final String ROUND_TRIP = "rule_2_3_roundTripOfArbitraryBatches";
    private static final String SLOT = "rule_1_5_cleanupEmptiesTheStateSlot";
    private static final String INTERLEAVED = "rule_1_1_channelsInterleavedOnOneThread";
    private static final String SEVERAL_PACKETS = "rule_2_8_severalPacketsPerChannelRoundTrip";
    private static final String TRUNCATED = "rule_3_5_truncatedPayloadEndsInMultifdException";
    private static final String BAD_INPUT = "rule_1_3_badInputOnlyEverThrowsMultifdException";

    private static void assertBreaks(Map<String, KitRun.Outcome> outcomes, String check, String rule) {
        assertThat(outcomes).containsKey(check);
        KitRun.Outcome o = outcomes.get(check);
        assertThat(o.status()).as("%s: %s", check, o.message()).isEqualTo("FAILED");
        assertThat(o.message()).startsWith("rule " + rule + " (");
    }

    private static void assertPasses(Map<String, KitRun.Outcome> outcomes, String check) {
        assertThat(outcomes).containsKey(check);
        assertThat(outcomes.get(check).status()).as("%s: %s", check, outcomes.get(check).message())
                .isEqualTo("SUCCESSFUL");
    }

    /**
     * The control: the raw-pages method the broken ones are made from passes every check, rule
     * 4.1's registration included (the leak check runs in correctMethodLeaksNothing).
     */
    @Test
    void correctMethodPassesEveryCheck() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.CorrectContract.class);
        assertThat(outcomes).hasSize(29);
        outcomes.forEach((check, o) -> {
            if (check.equals(LEAKS)) {
                assertThat(o).isEqualTo(new KitRun.Outcome("SKIPPED",
                        "skipped by CorrectContract.settings(): run by the leak tests of this class"));
            } else {
                assertThat(o.status()).as("%s: %s", check, o.message()).isEqualTo("SUCCESSFUL");
            }
        });
    }

    @Test
    @Order(2)
    void correctMethodLeaksNothing() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.CorrectLeakContract.class, LEAKS);
        assertPasses(outcomes, LEAKS);
    }

    @Test
    void wrongFlagBreaksRule25() {
        assertBreaks(KitRun.run(Contracts.WrongFlagContract.class, FLAG), FLAG, "2.5");
    }

    @Test
    void wrongSizeBreaksRule24() {
        assertBreaks(KitRun.run(Contracts.WrongSizeContract.class, SIZE), SIZE, "2.4");
    }

    @Test
    void readingPastThePayloadBreaksRule33() {
        assertBreaks(KitRun.run(Contracts.ReadsPastPayloadContract.class, CONSUMES), CONSUMES, "3.3");
    }

    @Test
    void leakingDirectMemoryBreaksRule15() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.LeaksDirectMemoryContract.class, LEAKS, ROUND_TRIP);
        assertBreaks(outcomes, LEAKS, "1.5");
        assertThat(outcomes.get(LEAKS).message())
                .contains("more direct buffers");
        assertPasses(outcomes, ROUND_TRIP);
    }

    /** First, in a fresh JVM: memory other tests freed could hide a leak in the process's size. */
    @Test
    @Order(1)
    void leakingNativeMemoryBreaksRule15() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.LeaksNativeMemoryContract.class, LEAKS);
        assertBreaks(outcomes, LEAKS, "1.5");
        assertThat(outcomes.get(LEAKS).message())
                .contains("resident memory outside the Java heap grew");
    }

    @Test
    void leakingTheStateSlotBreaksRule15() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.LeaksStateSlotContract.class, SLOT);
        assertBreaks(outcomes, SLOT, "1.5");
        assertThat(outcomes.get(SLOT).message())
                .contains("the state slot still holds a [B");
    }

    @Test
    void sharingOneCompressorBetweenChannelsBreaksRule11() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.SharesOneCompressorContract.class, INTERLEAVED, ROUND_TRIP,
                SEVERAL_PACKETS);
        assertBreaks(outcomes, INTERLEAVED, "1.1");
        assertPasses(outcomes, ROUND_TRIP);
        assertPasses(outcomes, SEVERAL_PACKETS);
    }

    @Test
    void corruptingTheSecondPacketBreaksRule28() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.CorruptsSecondPacketContract.class, SEVERAL_PACKETS,
                ROUND_TRIP);
        assertBreaks(outcomes, SEVERAL_PACKETS, "2.8");
        assertPasses(outcomes, ROUND_TRIP);
    }

    @Test
    void assumingPageViewsStartAtPositionZeroBreaksRule29() {
        String check = "rule_2_9_pageViewsAreUsedFromTheirPosition";
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.AssumesPositionZeroContract.class, check);
        assertBreaks(outcomes, check, "2.9");
    }

    @Test
    void throwingARawExceptionOnBadInputBreaksRule13() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.ThrowsRawExceptionContract.class, BAD_INPUT, ROUND_TRIP);
        assertBreaks(outcomes, BAD_INPUT, "1.3");
        assertThat(outcomes.get(BAD_INPUT).message())
                .contains("recv threw java.lang.IllegalArgumentException: bad payload size");
        assertPasses(outcomes, ROUND_TRIP);
    }

    @Test
    void hangingOnBadInputBreaksRule35WithinTheTimeBound() {
        long t0 = System.nanoTime();
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.HangsOnBadInputContract.class, TRUNCATED);
        assertBreaks(outcomes, TRUNCATED, "3.5");
        assertThat(outcomes.get(TRUNCATED).message())
                .contains("did not end within 1000 ms: a hook is stuck")
                .contains("java.lang.Thread.sleep(Native Method)")
                .contains("look at: a loop that waits for more input than the payload has");
        assertThat(System.nanoTime() - t0).isLessThan(30_000_000_000L);
    }

    @Test
    void allocatingOnBadInputBreaksRule35() {
        Map<String, KitRun.Outcome> outcomes = KitRun.run(Contracts.AllocatesOnBadInputContract.class, TRUNCATED);
        assertBreaks(outcomes, TRUNCATED, "3.5");
        assertThat(outcomes.get(TRUNCATED).message()).containsPattern("allocated \\d+ bytes on the heap, more than"
                + " 4 x maxPayloadSize \\+ 4194304 = \\d+");
    }
}
