package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelSender;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The conformance contract of a multifd compression method, as jqwik contract tests: implement
 * it with one small class in your method's tests and every check below runs against your method.
 *
 * <pre>{@code
 * class Lz4ConformanceProperties implements MethodContract {
 *     @Override
 *     public MethodProvider provider() {
 *         return new Lz4MethodProvider();
 *     }
 * }
 * }</pre>
 *
 * <p>Each check is named after the rule of the {@code io.multifd.api} package documentation it
 * checks ({@code rule_2_4_...} checks rule 2.4). The checks drive the method through
 * multifd-core's own channel layer, exactly as the transfer engine does, over in-memory
 * connections, and add their own finer checks: the bytes on the wire, guard bytes after every
 * stream that must stay unread, damaged packets that must end in a {@link MultifdException} within
 * a time bound and a bounded allocation, failures injected into setup, and leaks over many
 * setup/cleanup cycles. A failure message starts with the rule and what it means, says what
 * happened with which pages, and ends with where to look and the seed to rerun the case.
 *
 * <p>Declare your method's limits by overriding {@link #settings()}. A check that cannot apply (a
 * method unavailable on this machine, a non-deterministic payload, a check the settings skip) is
 * reported as skipped with the reason, never as passed.
 *
 * <p>Add {@code io.multifd:multifd-tck} to your tests; it brings jqwik, JUnit Jupiter's API and
 * AssertJ. Name the class so your build runs it (Maven Surefire includes {@code *Tests},
 * {@code *Test} and, when configured, {@code *Properties}).
 *
 * @since 0.1
 */
public interface MethodContract {

    /**
     * The method under test. Called often: return a new provider, as {@code ServiceLoader} would
     * create it.
     *
     * @return the provider
     */
    MethodProvider provider();

    /**
     * The method's limits and the checks that cannot apply to it.
     *
     * @return by default {@link MethodContractSettings#defaults()}
     */
    default MethodContractSettings settings() {
        return MethodContractSettings.defaults();
    }

    // ---- generators: the transfers the checks draw ----

    /** @return one channel, one packet of 1 to packetCapacity pages of every kind */
    @Provide
    default Arbitrary<TransferPlan> onePacket() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {1, 1}, Scenarios.allKinds());
    }

    /** @return one channel, 1 to 3 packets of every kind */
    @Provide
    default Arbitrary<TransferPlan> fewPackets() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {1, 3}, Scenarios.allKinds());
    }

    /** @return one channel, 2 to 6 packets: stream state carries from packet to packet */
    @Provide
    default Arbitrary<TransferPlan> severalPackets() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {2, 6}, Scenarios.allKinds());
    }

    /** @return one channel, 0 to 3 packets: for setup and cleanup */
    @Provide
    default Arbitrary<TransferPlan> anyPackets() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {0, 3}, Scenarios.allKinds());
    }

    /** @return 2 to 4 channels of 2 or 3 packets */
    @Provide
    default Arbitrary<TransferPlan> severalChannels() {
        return Scenarios.plans(provider(), settings(), new int[] {2, 4}, new int[] {2, 3}, Scenarios.allKinds());
    }

    /** @return 2 to {@link MethodContractSettings#threads()} channels of 1 to 3 packets */
    @Provide
    default Arbitrary<TransferPlan> concurrentChannels() {
        return Scenarios.plans(provider(), settings(), new int[] {2, settings().threads()}, new int[] {1, 3},
                Scenarios.allKinds());
    }

    /** @return packets mostly of zero pages: many carry zero pages only */
    @Provide
    default Arbitrary<TransferPlan> mostlyZero() {
        Arbitrary<PageKind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(PageKind.ZERO)),
                net.jqwik.api.Tuple.of(1, Scenarios.notZero()));
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {1, 4}, kinds);
    }

    /** @return packets of zero pages only */
    @Provide
    default Arbitrary<TransferPlan> zeroOnly() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {1, 3}, Scenarios.zeroOnly());
    }

    /** @return full-size packets of mostly incompressible pages: the worst case of the payload bound */
    @Provide
    default Arbitrary<TransferPlan> incompressible() {
        return Scenarios.plans(provider(), settings(), new int[] {1, 1}, new int[] {1, 2}, Scenarios.mostlyRandom());
    }

    /** @return one channel of three packets, the middle one to be damaged */
    @Provide
    default Arbitrary<TransferPlan> damageable() {
        return Scenarios.damagePlans(provider(), settings());
    }

    /** @return the page sizes of the settings */
    @Provide
    default Arbitrary<Integer> pageSizes() {
        return Arbitraries.of(settings().pageSizes());
    }

    /** @return the method's parameter values to test */
    @Provide
    default Arbitrary<Map<String, String>> methodSettings() {
        return Arbitraries.of(Scenarios.methodSettings(provider(), settings()));
    }

    // ---- 1. General ----

    /**
     * Rule 1.1: channels interleaved packet by packet on one thread, received in another channel
     * order, each arrive intact. A compressor or stream shared between channels breaks here.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 15)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_1_channelsInterleavedOnOneThread(@ForAll("severalChannels") TransferPlan plan)
            throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.INTERLEAVED, "1.1", Rules.hint("1.1"));
    }

    /**
     * Rule 1.1: channels run at the same time on their own threads, in both directions, and each
     * arrives intact.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_1_channelsConcurrentOnSeveralThreads(@ForAll("concurrentChannels") TransferPlan plan)
            throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.CONCURRENT, "1.1", Rules.hint("1.1"));
    }

    /**
     * Rule 1.1: a channel's payloads are the same whether other channels run beside it or not
     * (for methods whose payload is deterministic).
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    @Applies(deterministic = true)
    default void rule_1_1_payloadDoesNotDependOnOtherChannels(@ForAll("severalChannels") TransferPlan plan)
            throws Exception {
        RoundTrips.Result result = RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.INTERLEAVED,
                "1.1", Rules.hint("1.1"));
        List<Transfer.Sender> together = result.senders();
        for (int c = 0; c < plan.channels().size(); c++) {
            Transfer alone;
            try {
                alone = result.transfer().withNewMethod(provider());
            } catch (MultifdException e) {
                throw Rules.broken("4.3", provider().name(), "create() failed the second time for the settings "
                        + plan.settings() + ": " + e.getMessage(), "MethodProvider.create()", e);
            }
            int channel = c;
            Transfer.Sender s;
            try {
                s = Bounded.call(settings().timeoutPerCase(), "send", () -> alone.sendAll(channel));
            } catch (MultifdException e) {
                throw Rules.fromCore("1.1", provider().name(), alone.observed(), "sending channel " + c + " alone", e,
                        Rules.hint("1.1"));
            }
            byte[] a = s.stream();
            byte[] b = together.get(c).stream();
            for (int p = 0; p < s.packets().size(); p++) {
                WirePacket x = s.packets().get(p);
                WirePacket y = together.get(c).packets().get(p);
                if (!Arrays.equals(a, x.payloadStart(), x.end(), b, y.payloadStart(), y.end())) {
                    throw Rules.broken("1.1", provider().name(), "channel " + c + ", packet " + (p + 1) + ": the "
                            + "payload sent beside other channels (" + y.payloadBytes() + " bytes) differs from the"
                            + " payload of the same pages sent alone (" + x.payloadBytes() + " bytes) (transfer: "
                            + plan + ")", Rules.hint("1.1") + "; if the payload may legitimately differ between"
                            + " runs, declare settings().withDeterministicPayload(false)");
                }
            }
        }
    }

    /**
     * Rule 1.1, and every rule at once: the method runs through the real transfer engine, a
     * source and a destination over loopback TCP with several data channels, two passes of
     * iterative pre-copy (all pages, then pages written since), and every page arrives.
     *
     * @param pageSize the page size
     * @param values   the method's parameter values
     * @param channels the data channels
     * @param seed     the seed of the pages
     * @throws Exception on failure
     */
    @Property(tries = 3)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_1_runsThroughTheEngineOverLoopback(@ForAll("pageSizes") int pageSize,
                                                           @ForAll("methodSettings") Map<String, String> values,
                                                           @ForAll @IntRange(min = 2, max = 4) int channels,
                                                           @ForAll long seed) throws Exception {
        EngineRuns.transfer(provider(), settings(), pageSize, values, channels, seed);
    }

    /**
     * Rule 1.3 (with 3.5): whatever the damage to a packet, the hooks throw nothing but
     * {@link MultifdException}.
     *
     * @param plan   the transfer
     * @param damage what is done to its middle packet
     * @param seed   the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 40)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_3_badInputOnlyEverThrowsMultifdException(@ForAll("damageable") TransferPlan plan,
                                                                 @ForAll Damage damage, @ForAll long seed)
            throws Exception {
        Damages.check(provider(), settings(), plan, damage, seed, "1.3");
    }

    /**
     * Rule 1.4: a setup that fails at any of its calls to the channel is followed by one, two or
     * three cleanups; they must not throw and must leave the slot empty.
     *
     * @param send     which direction
     * @param pageSize the page size
     * @param values   the method's parameter values
     * @param failAt   the channel call that fails
     * @param cleanups how many cleanups follow
     * @throws Exception on failure
     */
    @Property(tries = 60)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_4_cleanupAfterAFailedSetup(@ForAll boolean send, @ForAll("pageSizes") int pageSize,
                                                   @ForAll("methodSettings") Map<String, String> values,
                                                   @ForAll @IntRange(min = 1, max = 24) int failAt,
                                                   @ForAll @IntRange(min = 1, max = 3) int cleanups)
            throws Exception {
        Lifecycles.failedSetup(provider(), values, send, pageSize, failAt, cleanups);
    }

    /**
     * Rule 1.4: setup, zero to three packets, cleanup, and up to two more cleanups, in either
     * direction.
     *
     * @param plan          the packets
     * @param send          which direction
     * @param extraCleanups cleanups after the first
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_4_setupAndCleanupInAnyLegalOrder(@ForAll("anyPackets") TransferPlan plan,
                                                         @ForAll boolean send,
                                                         @ForAll @IntRange(min = 0, max = 2) int extraCleanups)
            throws Exception {
        Lifecycles.legalOrder(provider(), settings(), plan, send, extraCleanups);
    }

    /**
     * Rule 1.5: after cleanup, the state slot is empty, in both directions.
     *
     * @param plan the packets
     * @param send which direction
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_5_cleanupEmptiesTheStateSlot(@ForAll("fewPackets") TransferPlan plan, @ForAll boolean send)
            throws Exception {
        Lifecycles.legalOrder(provider(), settings(), plan, send, 0);
    }

    /**
     * Rule 1.5: {@link MethodContractSettings#leakCycles()} setup/cleanup cycles in each direction
     * leave no direct buffers, threads, heap or native memory behind.
     *
     * @throws Exception on failure
     */
    @Example
    @AddLifecycleHook(RuleHook.class)
    default void rule_1_5_tenThousandSetupCleanupCyclesLeakNothing() throws Exception {
        Lifecycles.leakCycles(provider(), settings());
    }

    /** Rule 1.2: the provider is a cheap factory ServiceLoader can create, and availability() answers. */
    @Example
    @AddLifecycleHook(RuleHook.class)
    @Applies(method = false)
    default void rule_1_2_providerIsACheapFactory() throws Exception {
        ProviderChecks.cheapFactory(provider());
    }

    /** Rule 1.6: the flag is a value of the compression field, QEMU's values kept for QEMU's methods. */
    @Example
    @AddLifecycleHook(RuleHook.class)
    @Applies(method = false)
    default void rule_1_6_flagIsAValueOfTheCompressionField() {
        ProviderChecks.flag(provider());
    }

    // ---- 2. Send side ----

    /**
     * Rule 2.1: sendSetup declares its payload buffers, at every page size and setting.
     *
     * @param pageSize the page size
     * @param values   the method's parameter values
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_1_sendSetupDeclaresItsPayloadBuffers(@ForAll("pageSizes") int pageSize,
                                                             @ForAll("methodSettings") Map<String, String> values)
            throws Exception {
        ResolvedMethod m = Lifecycles.create(provider(), values);
        WritableByteChannel sink = Channels.newChannel(java.io.OutputStream.nullOutputStream());
        ChannelSender s = new ChannelSender(m, 0, pageSize, sink, new AtomicLong(), true);
        try {
            s.setup();
            if (s.iovSlots() > MultifdApi.packetCapacity(pageSize) + 1) {
                throw Rules.broken("2.1", provider().name(), "sendSetup declared " + s.iovSlots() + " payload buffers"
                        + " for packets of at most " + MultifdApi.packetCapacity(pageSize) + " pages",
                        "QEMU allocates at most packetCapacity + 1 iovecs per packet");
            }
            s.close();
        } catch (MultifdException e) {
            throw Rules.fromCore("2.1", provider().name(), null, "setup at page size " + pageSize + " with settings "
                    + values, e, Rules.hint("2.1"));
        }
    }

    /**
     * Rules 2.3 and 3.4: one packet of arbitrary pages arrives intact, every page written fully.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 30)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_3_roundTripOfArbitraryBatches(@ForAll("onePacket") TransferPlan plan) throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.3",
                Rules.hint("2.3") + "; recv must write every channel.pageBuffer(i) fully");
    }

    /**
     * Rules 2.3 and 2.5: a packet of zero pages only has the method's flag and no payload, and
     * recv does not run for it.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_3_zeroOnlyPacketsCarryNoPayload(@ForAll("zeroOnly") TransferPlan plan) throws Exception {
        Transfer.Sender s = RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.3",
                "sendPrepare when batch().normalCount() is 0").senders().get(0);
        for (WirePacket w : s.packets()) {
            if (w.normalPages() != 0 || w.nextPacketSize() != 0) {
                throw new AssertionError("kit error: zero pages became normal pages: " + w);
            }
        }
    }

    /**
     * Rule 2.4: every packet's next_packet_size equals the payload bytes that follow its header.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_4_nextPacketSizeEqualsPayloadBytes(@ForAll("mostlyZero") TransferPlan plan)
            throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.4", Rules.hint("2.4"));
    }

    /**
     * Rule 2.4: the payload never exceeds maxPayloadSize, even for full packets of incompressible
     * pages, and maxPayloadSize is 0 for no pages.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 15)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_4_payloadNeverExceedsMaxPayloadSize(@ForAll("incompressible") TransferPlan plan)
            throws Exception {
        ResolvedMethod m = Lifecycles.create(provider(), plan.settings());
        int zero = m.method().maxPayloadSize(0, plan.pageSize());
        if (zero != 0) {
            throw Rules.broken("2.4", provider().name(), "maxPayloadSize(0, " + plan.pageSize() + ") is " + zero,
                    "maxPayloadSize must be 0 for no normal pages");
        }
        int cap = MultifdApi.packetCapacity(plan.pageSize());
        int full = m.method().maxPayloadSize(cap, plan.pageSize());
        if (full <= 0) {
            throw Rules.broken("2.4", provider().name(), "maxPayloadSize(" + cap + ", " + plan.pageSize() + ") is "
                    + full, "maxPayloadSize must be a true upper bound of a full packet's payload");
        }
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.4", Rules.hint("2.4"));
    }

    /**
     * Rule 2.5: every packet carries exactly the method's flag, with and without normal pages.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 15)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_5_setsExactlyItsFlag(@ForAll("mostlyZero") TransferPlan plan) throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.5", Rules.hint("2.5"));
    }

    /**
     * Rule 2.8: several packets on one channel, stream state carrying from one to the next, all
     * arrive intact.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_8_severalPacketsPerChannelRoundTrip(@ForAll("severalPackets") TransferPlan plan)
            throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.8", Rules.hint("2.8"));
    }

    /**
     * Rule 2.9: page views span {@code position..limit}, not {@code 0..pageSize}: both sides see
     * views at the pages' places in their storage (as the engine hands them out), reused from
     * packet to packet, and every page arrives intact.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_2_9_pageViewsAreUsedFromTheirPosition(@ForAll("severalPackets") TransferPlan plan)
            throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "2.9", Rules.hint("2.9"));
    }

    // ---- 3. Receive side ----

    /**
     * Rule 3.2: a next_packet_size above the method's bound ends in a {@link MultifdException}
     * before recv runs.
     *
     * @param plan the transfer
     * @param seed the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 10)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_2_oversizedPayloadIsRejectedBeforeRecv(@ForAll("damageable") TransferPlan plan,
                                                               @ForAll long seed) throws Exception {
        Damages.check(provider(), settings(), plan, Damage.OVERSIZED, seed, "3.2");
    }

    /**
     * Rule 3.3: after each packet the receiver has read exactly its header and payload; the guard
     * bytes after the stream stay unread.
     *
     * @param plan the transfer
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_3_consumesExactlyItsPayload(@ForAll("fewPackets") TransferPlan plan) throws Exception {
        RoundTrips.check(provider(), settings(), plan, RoundTrips.Order.ONE_BY_ONE, "3.3", Rules.hint("3.3"));
    }

    /**
     * Rule 3.5: a payload cut short (the connection ending inside it, or next_packet_size saying
     * fewer bytes) ends in a {@link MultifdException} at that packet or the next, or, if the lost
     * bytes were redundant, every page still arrives exactly.
     *
     * @param plan       the transfer
     * @param streamEnds whether the connection ends inside the payload
     * @param seed       the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 30)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_5_truncatedPayloadEndsInMultifdException(@ForAll("damageable") TransferPlan plan,
                                                                 @ForAll boolean streamEnds, @ForAll long seed)
            throws Exception {
        Damages.check(provider(), settings(), plan, streamEnds ? Damage.TRUNCATED_STREAM : Damage.TRUNCATED_PAYLOAD,
                seed, "3.5");
    }

    /**
     * Rule 3.5: junk after the payload, counted by next_packet_size, ends in a
     * {@link MultifdException} at that packet or the next.
     *
     * @param plan the transfer
     * @param seed the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_5_trailingBytesEndInMultifdException(@ForAll("damageable") TransferPlan plan,
                                                             @ForAll long seed) throws Exception {
        Damages.check(provider(), settings(), plan, Damage.TRAILING_BYTES, seed, "3.5");
    }

    /**
     * Rule 3.5: a header listing one normal page more or less than the payload holds ends in a
     * {@link MultifdException} at that packet or the next.
     *
     * @param plan the transfer
     * @param more whether one page more is listed
     * @param seed the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 20)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_5_misdeclaredPageCountEndsInMultifdException(@ForAll("damageable") TransferPlan plan,
                                                                     @ForAll boolean more, @ForAll long seed)
            throws Exception {
        Damages.check(provider(), settings(), plan, more ? Damage.MORE_PAGES_LISTED : Damage.FEWER_PAGES_LISTED,
                seed, "3.5");
    }

    /**
     * Rule 3.5: flipped payload bits decode (to anything) or end in a {@link MultifdException},
     * within the time and allocation bounds.
     *
     * @param plan the transfer
     * @param seed the damage's seed
     * @throws Exception on failure
     */
    @Property(tries = 30)
    @AddLifecycleHook(RuleHook.class)
    default void rule_3_5_bitFlippedPayloadDecodesOrEndsInMultifdException(@ForAll("damageable") TransferPlan plan,
                                                                           @ForAll long seed) throws Exception {
        Damages.check(provider(), settings(), plan, Damage.BIT_FLIPS, seed, "3.5");
    }

    // ---- 4. Providers ----

    /** Rule 4.1: the name is well formed; no other provider found has the same name or flag. */
    @Example
    @AddLifecycleHook(RuleHook.class)
    @Applies(method = false)
    default void rule_4_1_nameIsWellFormedAndUnique() {
        ProviderChecks.nameAndUniqueness(provider());
    }

    /**
     * Rule 4.1: the provider is registered for both deployments: its module's {@code provides}
     * (when the class is in a named module) and {@code META-INF/services}.
     *
     * @throws Exception on failure
     */
    @Example
    @AddLifecycleHook(RuleHook.class)
    @Applies(method = false)
    default void rule_4_1_registeredForServiceLoader() throws Exception {
        ProviderChecks.registration(provider());
    }

    /** Rule 4.2: apiVersion() is a version this API runs (MultifdApi.isSupported). */
    @Example
    @AddLifecycleHook(RuleHook.class)
    @Applies(method = false)
    default void rule_4_2_apiVersionIsTheCompiledOne() {
        ProviderChecks.apiVersion(provider());
    }

    /**
     * Rule 4.3: create() works with every tested setting and gives a method whose bound is sane
     * at every page size.
     */
    @Example
    @AddLifecycleHook(RuleHook.class)
    default void rule_4_3_createsWithEveryDeclaredSetting() {
        for (Map<String, String> values : Scenarios.methodSettings(provider(), settings())) {
            ResolvedMethod m = Lifecycles.create(provider(), values);
            for (int pageSize : settings().pageSizes()) {
                int bound = m.method().maxPayloadSize(1, pageSize);
                if (bound <= 0) {
                    throw Rules.broken("4.3", provider().name(), "with settings " + values + ", maxPayloadSize(1, "
                            + pageSize + ") is " + bound, "maxPayloadSize must bound one page's payload");
                }
            }
        }
    }
}
