package io.multifd.core.engine;

import io.multifd.api.Availability;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The destination's decision on a {@link Hello}: every mismatch is refused here, before any page
 * flows, with a sentence naming both sides' values.
 *
 * @since 0.1
 */
public final class Negotiation {

    private Negotiation() {
    }

    /**
     * Decides. Checks, in order: protocol version, page size, channel count, UUID, RAMBlocks, then
     * picks the first offered method (the source's preference order) that the destination has in
     * its registry, may use, can decode, with the same wire flag and acceptable parameters.
     *
     * @param hello  the source's hello
     * @param policy what the destination accepts
     * @return the accept, or a refusal with its reason
     */
    public static HelloReply choose(Hello hello, ReceivePolicy policy) {
        if (hello.protocolVersion() != ControlProtocol.VERSION) {
            return new HelloReply.Refuse("protocol version mismatch: source speaks version " + hello.protocolVersion()
                    + ", destination speaks version " + ControlProtocol.VERSION);
        }
        String pageProblem = ControlProtocol.pageSizeProblem(hello.pageSize());
        if (pageProblem != null) {
            return new HelloReply.Refuse("source's " + pageProblem);
        }
        if (policy.pageSize().isPresent() && policy.pageSize().getAsInt() != hello.pageSize()) {
            return new HelloReply.Refuse("page size mismatch: source uses " + hello.pageSize()
                    + " bytes, destination expects " + policy.pageSize().getAsInt());
        }
        if (hello.channels() < 1 || hello.channels() > policy.maxChannels()) {
            return new HelloReply.Refuse("source asks for " + hello.channels() + " channels, destination accepts 1.."
                    + policy.maxChannels());
        }
        if (policy.channels().isPresent() && policy.channels().getAsInt() != hello.channels()) {
            return new HelloReply.Refuse("channel count mismatch: source opens " + hello.channels()
                    + " channels, destination expects " + policy.channels().getAsInt());
        }
        if (policy.uuid().isPresent() && !policy.uuid().get().equals(hello.uuid())) {
            return new HelloReply.Refuse("transfer UUID mismatch: source sent " + hello.uuid()
                    + ", destination expects " + policy.uuid().get());
        }
        if (hello.blocks().isEmpty()) {
            return new HelloReply.Refuse("source announces no RAMBlock");
        }
        for (BlockSpec b : hello.blocks()) {
            if (b.size() % hello.pageSize() != 0) {
                return new HelloReply.Refuse("RAMBlock " + b.name() + " size " + b.size()
                        + " is not a multiple of the page size " + hello.pageSize());
            }
        }
        return chooseMethod(hello, policy);
    }

    private static HelloReply chooseMethod(Hello hello, ReceivePolicy policy) {
        Map<String, MethodProvider> byName = new LinkedHashMap<>();
        for (MethodProvider p : policy.methods()) {
            byName.putIfAbsent(p.name(), p);
        }
        List<String> details = new ArrayList<>();
        for (MethodOffer offer : hello.offers()) {
            MethodProvider p = byName.get(offer.name());
            if (p == null) {
                continue;
            }
            Optional<String> problem = problem(offer, p, policy);
            if (problem.isPresent()) {
                details.add(offer.name() + ": " + problem.get());
                continue;
            }
            try {
                MethodSettings s = MethodSettings.resolve(p.name(), p.parameters(), offer.parameters());
                return new HelloReply.Accept(p.name(), s.asMap(), p.version());
            } catch (MultifdException e) {
                details.add(offer.name() + ": " + offer.parameters() + " rejected: " + e.detail());
            }
        }
        StringBuilder sb = new StringBuilder("destination has no method in common with source: source offers ")
                .append(hello.offers().stream().map(MethodOffer::name).toList())
                .append(", destination has ").append(describe(policy));
        if (!details.isEmpty()) {
            sb.append(" (").append(String.join("; ", details)).append(")");
        }
        return new HelloReply.Refuse(sb.toString());
    }

    private static Optional<String> problem(MethodOffer offer, MethodProvider p, ReceivePolicy policy) {
        if (policy.allowed().isPresent() && !policy.allowed().get().contains(p.name())) {
            return Optional.of("not allowed by the destination's method list " + policy.allowed().get());
        }
        Availability a = safeAvailability(p);
        if (!a.canDecode()) {
            return Optional.of("destination cannot decode it: " + a.reason());
        }
        if (!offer.flag().equals(p.flag())) {
            return Optional.of("wire flag differs: source " + offer.flag() + ", destination " + p.flag());
        }
        return Optional.empty();
    }

    /**
     * The destination's methods as the refusal lists them: {@code name}, or
     * {@code name(unavailable: reason)}, or {@code name(not allowed)}.
     *
     * @param policy the policy
     * @return the list as text
     */
    static String describe(ReceivePolicy policy) {
        List<String> out = new ArrayList<>();
        for (MethodProvider p : policy.methods()) {
            Availability a = safeAvailability(p);
            if (!a.canDecode()) {
                out.add(p.name() + "(unavailable: " + a.reason() + ")");
            } else if (policy.allowed().isPresent() && !policy.allowed().get().contains(p.name())) {
                out.add(p.name() + "(not allowed)");
            } else {
                out.add(p.name());
            }
        }
        return out.toString();
    }

    private static Availability safeAvailability(MethodProvider p) {
        try {
            Availability a = p.availability();
            return a == null ? Availability.unavailable("availability() returned null") : a;
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("availability() threw " + e);
        }
    }
}
