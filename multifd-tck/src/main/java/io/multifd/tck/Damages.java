package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.image.MemoryImage;

import java.util.Set;

/**
 * Malformed input: a good packet, a damaged one, a good one on one channel. The receiver must end
 * in a {@link MultifdException} (or, where the damage may be harmless, decode exactly), within
 * the time bound, allocating a bounded amount, with nothing but {@code MultifdException} thrown by
 * the hooks, and cleanup must still work.
 */
final class Damages {

    /** Damage the method may survive only by decoding every page exactly. */
    private static final Set<Damage> EXACT_OR_FAIL = Set.of(Damage.TRUNCATED_PAYLOAD);
    /** Damage that must end in an exception at the damaged packet or the next one. */
    private static final Set<Damage> MUST_FAIL = Set.of(Damage.TRUNCATED_STREAM, Damage.TRAILING_BYTES,
            Damage.OVERSIZED, Damage.FEWER_PAGES_LISTED, Damage.MORE_PAGES_LISTED);

    private Damages() {
    }

    /** What the receiver did with a damaged stream. */
    private static final class Outcome {
        int tried;
        int failedAt = -1;
        MultifdException failure;
        MultifdException cleanupFailure;
        long[] allocated = new long[3];
        int recvCallsInDamaged;
        MemoryImage dest;
    }

    /**
     * Runs one damaged case and judges it.
     *
     * @param provider the provider
     * @param settings the contract's settings
     * @param plan     a plan of {@link Scenarios#damagePlans}
     * @param damage   the damage
     * @param seed     its seed
     * @param rule     the check's rule
     * @throws Exception an {@link AssertionError} naming the rule
     */
    static void check(MethodProvider provider, MethodContractSettings settings, TransferPlan plan, Damage damage,
                      long seed, String rule) throws Exception {
        Transfer t = RoundTrips.create(provider, plan);
        String name = provider.name();
        Transfer.Sender s = RoundTrips.send(t, RoundTrips.Order.ONE_BY_ONE, settings, "2.3").get(0);
        RoundTrips.checkWire(t, s);
        WirePacket p1 = s.packets().get(1);
        int bound = t.method().method().maxPayloadSize(p1.normalPages(), t.pageSize());
        Damage.Damaged d = damage.apply(s.stream(), p1, t.pageSize(), bound, t.spareOffset(), seed);
        String what = "packet 2 of 3 on channel 0 damaged: " + d.description() + " (transfer: " + plan + ")";
        long allowed = 4L * t.maxPayloadOfFullPacket() + settings.allocationSlackBytes();

        Outcome o = Bounded.call(settings.timeoutPerCase(), "receiving the damaged stream (" + what + ")", rule, name,
                () -> {
            Outcome out = new Outcome();
            out.dest = t.newDestination();
            Transfer.Receiver r = t.receiver(0, d.stream(), d.end(), out.dest, new PacketNumbers());
            try {
                r.setup();
                for (int k = 0; k < 3; k++) {
                    out.tried = k;
                    int calls = t.observed().recvCalls();
                    long a0 = Bounded.allocatedBytes();
                    try {
                        r.next();
                    } finally {
                        out.allocated[k] = Bounded.allocatedBytes() - a0;
                        if (k == 1) {
                            out.recvCallsInDamaged = t.observed().recvCalls() - calls;
                        }
                    }
                }
            } catch (MultifdException e) {
                out.failure = e;
                out.failedAt = out.tried;
            }
            try {
                r.close();
            } catch (MultifdException e) {
                out.cleanupFailure = e;
            }
            return out;
        });

        if (t.observed().rawThrow().isPresent()) {
            throw Rules.fromCore("1.3", name, t.observed(), what, o.failure != null ? o.failure
                    : new MultifdException("no MultifdException"), Rules.hint("1.3"));
        }
        for (int k = 0; k < 3; k++) {
            if (o.allocated[k] > allowed) {
                throw Rules.broken("3.5", name, what + ": receiving packet " + (k + 1) + " allocated "
                        + o.allocated[k] + " bytes on the heap, more than 4 x maxPayloadSize + "
                        + settings.allocationSlackBytes() + " = " + allowed, "recv: a size read from the payload or"
                        + " the header used to allocate before it was checked; reuse the buffers of recvSetup");
            }
        }
        if (o.failedAt == 0) {
            throw Rules.fromCore("2.3", name, t.observed(), "packet 1, before the damaged one, did not arrive",
                    o.failure, Rules.hint("2.3"));
        }
        if (damage == Damage.OVERSIZED && o.recvCallsInDamaged != 0) {
            throw Rules.broken("3.2", name, what + ": recv ran for it", Rules.hint("3.2"));
        }
        if (MUST_FAIL.contains(damage) && o.failure == null) {
            throw Rules.broken(rule, name, what + ": the receiver took it and the next packet without a"
                    + " MultifdException", Rules.hint(rule));
        }
        if (EXACT_OR_FAIL.contains(damage) && o.failure == null) {
            for (int p = 1; p < 3; p++) {
                String diff = t.compare(o.dest, 0, p);
                if (diff != null) {
                    throw Rules.broken(rule, name, what + ": no MultifdException, and " + diff, Rules.hint(rule));
                }
            }
        }
        if (o.cleanupFailure != null) {
            throw Rules.fromCore("1.4", name, t.observed(), what + ": cleanup after "
                    + (o.failure == null ? "the transfer" : "the failed recv"), o.cleanupFailure, Rules.hint("1.4"));
        }
    }
}
