package io.multifd.tck;

import io.multifd.api.MultifdException;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbered rules of {@code io.multifd.api}'s package documentation, in one line each, and the
 * failure messages of the checks: which rule, what happened, what to look at.
 */
final class Rules {

    private static final Map<String, String> SUMMARY = Map.ofEntries(
            Map.entry("1.1", "hooks of different channels run concurrently; no mutable state shared between"
                    + " channels, per-channel state lives in the state slot"),
            Map.entry("1.2", "a MethodProvider is a cheap factory that never fails"),
            Map.entry("1.3", "every failure a hook reports is a MultifdException built with channel.failure()"),
            Map.entry("1.4", "cleanup follows a failed setup, prepare or recv, copes with a partial or empty"
                    + " state slot, and a second cleanup is harmless"),
            Map.entry("1.5", "cleanup releases everything setup allocated and leaves the state slot empty"),
            Map.entry("1.6", "the flag is a value of the compression field 0x3E; QEMU's values are QEMU's"),
            Map.entry("2.1", "sendSetup declares its payload buffers with setIovSlots()"),
            Map.entry("2.3", "sendPrepare adds exactly the payload of the normal pages, in batch order"),
            Map.entry("2.4", "next_packet_size is exactly the payload bytes added, at most maxPayloadSize"),
            Map.entry("2.5", "sendPrepare sets exactly the method's flag, also without normal pages"),
            Map.entry("2.6", "sendPrepare calls fillPacket() last, once"),
            Map.entry("2.7", "pages may change while sendPrepare runs; payload buffers stay unchanged"),
            Map.entry("2.8", "state may carry from packet to packet, but each payload ends where its pages can be"
                    + " decoded from it and the channel's earlier payloads"),
            Map.entry("3.1", "recvSetup runs once per channel and may allocate what recv needs"),
            Map.entry("3.2", "a next_packet_size above maxPayloadSize is rejected before recv runs"),
            Map.entry("3.3", "recv reads exactly next_packet_size bytes and nothing after them"),
            Map.entry("3.4", "recv writes every normal page fully, exactly once"),
            Map.entry("3.5", "a payload that does not decode to exactly its pages, or has bytes left over, ends in"
                    + " a MultifdException; sizes read from the payload are checked before use"),
            Map.entry("4.1", "the name matches [a-z][a-z0-9-]{0,31}; name and flag are unique among the"
                    + " providers found"),
            Map.entry("4.2", "apiVersion() returns MultifdApi.API_VERSION as compiled, a version this API runs"),
            Map.entry("4.3", "create() accepts every setting its parameters() declare"));

    private static final Pattern RULE = Pattern.compile("rule (\\d\\.\\d)");

    private Rules() {
    }

    /**
     * @param rule e.g. {@code "2.3"}
     * @return the rule in one line
     */
    static String summary(String rule) {
        return SUMMARY.getOrDefault(rule, "see io.multifd.api package documentation");
    }

    /**
     * A check's failure.
     *
     * @param rule   the rule broken
     * @param method the method's name
     * @param what   what happened, with the case
     * @param lookAt where to look
     * @return the error to throw
     */
    static AssertionError broken(String rule, String method, String what, String lookAt) {
        return broken(rule, method, what, lookAt, null);
    }

    /**
     * A check's failure with its cause.
     *
     * @param rule   the rule broken
     * @param method the method's name
     * @param what   what happened, with the case
     * @param lookAt where to look
     * @param cause  the underlying failure, or null
     * @return the error to throw
     */
    static AssertionError broken(String rule, String method, String what, String lookAt, Throwable cause) {
        return new AssertionError("rule " + rule + " (" + summary(rule) + ") broken by method " + method + ": "
                + what + "\n  look at: " + lookAt, cause);
    }

    /**
     * A failure the core's channel layer reported while a check ran, attributed to the rule it
     * names, else to a hook's raw exception (rule 1.3), else to the check's own rule.
     *
     * @param rule     the check's rule
     * @param method   the method's name
     * @param observed the method as the kit saw it
     * @param during   what the check was doing, with the case
     * @param e        the core's report
     * @param lookAt   where to look when the check's own rule is at fault
     * @return the error to throw
     */
    static AssertionError fromCore(String rule, String method, ObservedMethod observed, String during,
                                   MultifdException e, String lookAt) {
        Optional<String> raw = observed == null ? Optional.empty() : observed.rawThrow();
        if (raw.isPresent()) {
            Optional<String> named = named(raw.get());
            if (named.isPresent()) {
                return broken(named.get(), method, during + ": " + raw.get(), hint(named.get()), e);
            }
            return broken("1.3", method, during + ": " + raw.get(),
                    "a hook must report every failure as a MultifdException built with channel.failure(field,"
                            + " detail); check lengths and states before use instead of letting Java throw", e);
        }
        Optional<String> named = named(e.getMessage());
        String r = named.orElse(rule);
        return broken(r, method, during + ": " + e.getMessage(), named.isPresent() ? hint(r) : lookAt, e);
    }

    private static Optional<String> named(String text) {
        Matcher m = RULE.matcher(text == null ? "" : text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * @param rule a rule
     * @return where to look when it is broken
     */
    static String hint(String rule) {
        return switch (rule) {
            case "1.1" -> "fields of the MultifdMethod instance or static fields: the same instance serves every"
                    + " channel at once; keep compressors and buffers in channel.setState()";
            case "1.3" -> "throw channel.failure(field, detail) for bad input; do not let IllegalArgumentException,"
                    + " IndexOutOfBoundsException or a native error escape";
            case "1.4" -> "sendCleanup/recvCleanup: they must accept a null or half-built state slot and being"
                    + " called twice";
            case "1.5" -> "sendCleanup/recvCleanup: end() Deflaters/Inflaters, free native contexts, drop owned"
                    + " buffers, then channel.setState(null)";
            case "2.1" -> "sendSetup: call channel.setIovSlots(n) with the most buffers one packet adds";
            case "2.3" -> "sendPrepare's addPayload calls and recv's page writes: order of pages, lengths, offsets,"
                    + " and page views that do not start at position 0 (rule 2.9)";
            case "2.4" -> "sendPrepare's setNextPacketSize(): the sum of remaining() of the buffers added, and"
                    + " maxPayloadSize(): it must be a true upper bound";
            case "2.5" -> "sendPrepare: setCompression(provider.flag()) for every packet, with or without normal"
                    + " pages";
            case "2.6" -> "sendPrepare: fillPacket() must be the last call, exactly once";
            case "2.8" -> "the end of each packet's payload: flush the stream (e.g. SYNC_FLUSH) so the receiver can"
                    + " produce every page before the next packet; state that carries over between packets";
            case "2.9" -> "page views: batch.normalPage(i) and channel.pageBuffer(i) span position..limit and the"
                    + " position is not 0; use relative get/put, or absolute indices from position(); do not keep"
                    + " a view after the hook returns";
            case "3.2" -> "maxPayloadSize(): it must be a true, tight upper bound";
            case "3.3" -> "recv: read exactly channel.nextPacketSize() bytes with readPayload, no more, no less";
            case "3.4" -> "recv: write pageSize bytes into every channel.pageBuffer(i)";
            case "3.5" -> "recv: check that the payload decodes to exactly normalCount * pageSize bytes and that no"
                    + " input is left over; check lengths read from the payload before allocating";
            default -> "the io.multifd.api package documentation, rule " + rule;
        };
    }
}
