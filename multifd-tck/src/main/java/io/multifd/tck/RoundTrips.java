package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.image.MemoryImage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Round trips through the core's channel layer: send every channel of a plan, check each packet
 * on the wire, receive each stream followed by guard bytes, compare every page.
 */
final class RoundTrips {

    /** How channels take turns. */
    enum Order {
        /** Each channel alone: setup, all its packets, cleanup; then the next channel. */
        ONE_BY_ONE,
        /**
         * All channels on one thread, packets round robin; received in the reverse channel order,
         * so a stream shared between channels cannot line up.
         */
        INTERLEAVED,
        /** Each channel on its own thread, all at once, in both directions. */
        CONCURRENT
    }

    /**
     * A finished round trip.
     *
     * @param transfer the transfer, with its pages
     * @param senders  one closed sender per channel, with its recorded stream
     */
    record Result(Transfer transfer, List<Transfer.Sender> senders) {
    }

    /** Bytes after each recorded stream that no receiver may read (rule 3.3). */
    static final int GUARD_BYTES = 64;
    /** Their value. */
    static final byte GUARD = (byte) 0xEE;

    private RoundTrips() {
    }

    /**
     * Runs a plan both ways and checks it.
     *
     * @param provider the provider
     * @param settings the contract's settings
     * @param plan     the transfer
     * @param order    how channels take turns
     * @param rule     the rule a difference of pages breaks
     * @param lookAt   where to look then
     * @return the transfer and its senders, with their recorded streams
     * @throws Exception an {@link AssertionError} naming the rule, or a failure of the kit
     */
    static Result check(MethodProvider provider, MethodContractSettings settings, TransferPlan plan,
                                       Order order, String rule, String lookAt) throws Exception {
        Transfer t = create(provider, plan);
        String name = provider.name();
        Duration timeout = settings.timeoutPerCase().multipliedBy(Math.max(1, plan.channels().size() * plan.maxPackets()));
        return Bounded.call(timeout, "a round trip (" + order.name().toLowerCase().replace('_', ' ') + " channels; transfer: "
                + plan + ")", rule, name, () -> {
            List<Transfer.Sender> senders = send(t, order, settings, rule);
            for (Transfer.Sender s : senders) {
                checkWire(t, s);
            }
            MemoryImage dest = t.newDestination();
            receive(t, senders, dest, order, settings, rule);
            for (int c = 0; c < t.channels(); c++) {
                for (int p = 0; p < t.packets(c); p++) {
                    String diff = t.compare(dest, c, p);
                    if (diff != null) {
                        throw Rules.broken(rule, name, diff + " (" + order.name().toLowerCase().replace('_', ' ')
                                + " channels; transfer: " + plan + ")", lookAt);
                    }
                }
            }
            return new Result(t, senders);
        });
    }

    /**
     * Creates the method for a plan; a failure is the provider's (rule 4.3).
     *
     * @param provider the provider
     * @param plan     the plan
     * @return the transfer
     */
    static Transfer create(MethodProvider provider, TransferPlan plan) {
        try {
            return Transfer.of(provider, plan);
        } catch (MultifdException e) {
            throw Rules.broken("4.3", provider.name(), "create() failed for the settings " + plan.settings() + ": "
                    + e.getMessage(), "MethodProvider.create() and parameters(): every declared value must work", e);
        }
    }

    /**
     * Sends every channel.
     *
     * @param t        the transfer
     * @param order    the order
     * @param settings the contract's settings
     * @param rule     the check's rule, for failures the core does not attribute
     * @return one sender per channel, closed
     * @throws Exception an {@link AssertionError} naming the rule
     */
    static List<Transfer.Sender> send(Transfer t, Order order, MethodContractSettings settings, String rule)
            throws Exception {
        List<Transfer.Sender> senders = new ArrayList<>();
        String during = "sending " + t.plan();
        try {
            switch (order) {
                case ONE_BY_ONE -> {
                    for (int c = 0; c < t.channels(); c++) {
                        senders.add(t.sendAll(c));
                    }
                }
                case INTERLEAVED -> {
                    for (int c = 0; c < t.channels(); c++) {
                        Transfer.Sender s = t.sender(c);
                        s.setup();
                        senders.add(s);
                    }
                    for (int p = 0; p < t.plan().maxPackets(); p++) {
                        for (int c = 0; c < t.channels(); c++) {
                            if (p < t.packets(c)) {
                                senders.get(c).send(p);
                            }
                        }
                    }
                    for (Transfer.Sender s : senders) {
                        s.close();
                    }
                }
                case CONCURRENT -> {
                    List<Bounded.Action<Transfer.Sender>> work = new ArrayList<>();
                    for (int c = 0; c < t.channels(); c++) {
                        int channel = c;
                        work.add(() -> t.sendAll(channel));
                    }
                    senders.addAll(Bounded.all(settings.timeoutPerCase().multipliedBy(t.plan().maxPackets() + 1L),
                            "concurrent send", work));
                }
                default -> throw new AssertionError(order);
            }
        } catch (MultifdException e) {
            throw Rules.fromCore(rule, t.method().name(), t.observed(), during, e, Rules.hint(rule));
        }
        return senders;
    }

    /**
     * Checks each packet as written (rules 2.3, 2.4, 2.5), from the bytes.
     *
     * @param t the transfer
     * @param s a closed sender
     */
    static void checkWire(Transfer t, Transfer.Sender s) {
        String name = t.method().name();
        int flag = t.method().flag().value();
        List<WirePacket> packets = s.packets();
        for (int p = 0; p < packets.size(); p++) {
            WirePacket w = packets.get(p);
            String where = "channel " + s.channel() + ", packet " + (p + 1) + " of the channel (" + w.normalPages()
                    + " normal and " + w.zeroPages() + " zero pages of " + t.pageSize() + " bytes)";
            if (w.flags() != flag) {
                throw Rules.broken("2.5", name, String.format("%s went out with flags 0x%02X, expected exactly the"
                        + " method's flag 0x%02X", where, w.flags(), flag), Rules.hint("2.5"));
            }
            if (w.nextPacketSize() != w.payloadBytes()) {
                throw Rules.broken("2.4", name, where + " declares next_packet_size " + w.nextPacketSize() + " but "
                        + w.payloadBytes() + " payload bytes followed the header", Rules.hint("2.4"));
            }
            int bound = t.method().method().maxPayloadSize(w.normalPages(), t.pageSize());
            if (w.nextPacketSize() > bound) {
                throw Rules.broken("2.4", name, where + " has a payload of " + w.nextPacketSize()
                        + " bytes, above the method's own maxPayloadSize " + bound, Rules.hint("2.4"));
            }
            if (w.normalPages() == 0 && w.nextPacketSize() != 0) {
                throw Rules.broken("2.3", name, where + " has no normal page but a payload of " + w.nextPacketSize()
                        + " bytes", "sendPrepare: add no payload and set next_packet_size 0 when"
                        + " batch().normalCount() is 0");
            }
        }
    }

    /**
     * Receives every channel's stream, each followed by guard bytes, checking after every packet
     * that exactly the packet was read (rule 3.3).
     *
     * @param t        the transfer
     * @param senders  the recorded streams
     * @param dest     where pages go
     * @param order    the order
     * @param settings the contract's settings
     * @param rule     the check's rule, for failures the core does not attribute
     * @throws Exception an {@link AssertionError} naming the rule
     */
    static void receive(Transfer t, List<Transfer.Sender> senders, MemoryImage dest, Order order,
                        MethodContractSettings settings, String rule) throws Exception {
        PacketNumbers numbers = new PacketNumbers();
        List<Transfer.Receiver> receivers = new ArrayList<>();
        for (Transfer.Sender s : senders) {
            byte[] stream = s.stream();
            byte[] guarded = Arrays.copyOf(stream, stream.length + GUARD_BYTES);
            Arrays.fill(guarded, stream.length, guarded.length, GUARD);
            receivers.add(t.receiver(s.channel(), guarded, guarded.length, dest, numbers));
        }
        String during = "receiving " + t.plan();
        try {
            switch (order) {
                case ONE_BY_ONE -> {
                    for (int c = 0; c < receivers.size(); c++) {
                        receiveAll(t, senders.get(c), receivers.get(c));
                    }
                }
                case INTERLEAVED -> {
                    for (Transfer.Receiver r : receivers) {
                        r.setup();
                    }
                    for (int p = 0; p < t.plan().maxPackets(); p++) {
                        for (int c = receivers.size() - 1; c >= 0; c--) {
                            if (p < t.packets(c)) {
                                receiveOne(t, senders.get(c), receivers.get(c), p);
                            }
                        }
                    }
                    for (Transfer.Receiver r : receivers) {
                        r.close();
                    }
                }
                case CONCURRENT -> {
                    List<Bounded.Action<Void>> work = new ArrayList<>();
                    for (int c = 0; c < receivers.size(); c++) {
                        Transfer.Sender s = senders.get(c);
                        Transfer.Receiver r = receivers.get(c);
                        work.add(() -> {
                            receiveAll(t, s, r);
                            return null;
                        });
                    }
                    Bounded.all(settings.timeoutPerCase().multipliedBy(t.plan().maxPackets() + 1L),
                            "concurrent receive", work);
                }
                default -> throw new AssertionError(order);
            }
        } catch (MultifdException e) {
            throw Rules.fromCore(rule, t.method().name(), t.observed(), during, e, Rules.hint(rule));
        }
    }

    private static void receiveAll(Transfer t, Transfer.Sender s, Transfer.Receiver r) throws MultifdException {
        r.setup();
        for (int p = 0; p < s.packets().size(); p++) {
            receiveOne(t, s, r, p);
        }
        r.close();
    }

    private static void receiveOne(Transfer t, Transfer.Sender s, Transfer.Receiver r, int p) throws MultifdException {
        WirePacket w = s.packets().get(p);
        ChannelReceiver.Event e = r.next();
        if (e != ChannelReceiver.Event.DATA) {
            throw new AssertionError("kit error: channel " + s.channel() + " packet " + (p + 1) + " read as " + e);
        }
        if (r.consumed() != w.end()) {
            throw Rules.broken("3.3", t.method().name(), "channel " + s.channel() + ", packet " + (p + 1)
                    + " of the channel: the receiver read " + (r.consumed() - w.start()) + " bytes of a "
                    + w.wireBytes() + "-byte packet (header " + w.headerBytes() + ", next_packet_size "
                    + w.nextPacketSize() + ")" + (r.consumed() > w.end() ? ", reading into what follows it" : ""),
                    Rules.hint("3.3"));
        }
    }
}
