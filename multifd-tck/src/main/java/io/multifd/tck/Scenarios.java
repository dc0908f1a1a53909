package io.multifd.tck;

import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The generators of the checks' transfers. */
final class Scenarios {

    private static final PageKind[] NOT_ZERO = {PageKind.RANDOM, PageKind.TEXT, PageKind.PATTERN, PageKind.SPARSE,
        PageKind.MIXED};

    private Scenarios() {
    }

    /**
     * The method's parameter values to test: those the settings name, else the defaults, each
     * integer parameter at its ends ({@code level} capped at {@code maxLevel}) and each choice.
     *
     * @param provider the provider
     * @param settings the contract's settings
     * @return the candidate values, defaults first
     */
    static List<Map<String, String>> methodSettings(MethodProvider provider, MethodContractSettings settings) {
        if (!settings.methodSettings().isEmpty()) {
            return settings.methodSettings();
        }
        Set<Map<String, String>> out = new LinkedHashSet<>();
        out.add(Map.of());
        for (MethodParameter p : provider.parameters()) {
            if (p.isInt()) {
                int max = p.name().equals("level") ? Math.min(p.max(), Math.max(p.min(), settings.maxLevel())) : p.max();
                int dflt = Integer.parseInt(p.defaultValue());
                out.add(Map.of(p.name(), Integer.toString(p.min())));
                if (dflt <= max) {
                    out.add(Map.of(p.name(), Integer.toString(dflt)));
                }
                out.add(Map.of(p.name(), Integer.toString(max)));
            } else {
                p.choices().forEach(c -> out.add(Map.of(p.name(), c)));
            }
        }
        if (settings.maxLevel() != Integer.MAX_VALUE) {
            // the defaults may exceed the cap: name the capped level explicitly instead
            provider.parameters().stream()
                    .filter(p -> p.isInt() && p.name().equals("level")
                            && Integer.parseInt(p.defaultValue()) > settings.maxLevel())
                    .findFirst().ifPresent(p -> out.remove(Map.of()));
        }
        return new ArrayList<>(out);
    }

    /**
     * Transfers of arbitrary pages.
     *
     * @param provider   the provider
     * @param settings   the contract's settings
     * @param channels   the least and most channels
     * @param packets    the least and most packets per channel
     * @param kinds      what the pages hold
     * @return the generator
     */
    static Arbitrary<TransferPlan> plans(MethodProvider provider, MethodContractSettings settings, int[] channels,
                                         int[] packets, Arbitrary<PageKind> kinds) {
        Arbitrary<Integer> pageSizes = Arbitraries.of(settings.pageSizes());
        Arbitrary<Map<String, String>> methodSettings = Arbitraries.of(methodSettings(provider, settings));
        return pageSizes.flatMap(pageSize -> {
            Arbitrary<List<PageSpec>> packet = pages(kinds, 1, MultifdApi.packetCapacity(pageSize));
            Arbitrary<List<List<PageSpec>>> channel = packet.list().ofMinSize(packets[0]).ofMaxSize(packets[1]);
            Arbitrary<List<List<List<PageSpec>>>> all = channel.list().ofMinSize(channels[0]).ofMaxSize(channels[1]);
            return Combinators.combine(methodSettings, all).as((s, c) -> new TransferPlan(pageSize, s, c));
        });
    }

    /**
     * One channel of three packets, the middle one with at least one normal page and room for
     * one more page: the packet a malformed-input check damages, between two good ones.
     *
     * @param provider the provider
     * @param settings the contract's settings
     * @return the generator
     */
    static Arbitrary<TransferPlan> damagePlans(MethodProvider provider, MethodContractSettings settings) {
        Arbitrary<Integer> pageSizes = Arbitraries.of(settings.pageSizes());
        Arbitrary<Map<String, String>> methodSettings = Arbitraries.of(methodSettings(provider, settings));
        return pageSizes.flatMap(pageSize -> {
            int cap = MultifdApi.packetCapacity(pageSize);
            Arbitrary<List<PageSpec>> good = pages(allKinds(), 1, cap);
            Arbitrary<List<PageSpec>> middle = Combinators.combine(pages(notZero(), 1, 1), pages(allKinds(), 0, cap - 2))
                    .as((first, rest) -> {
                        List<PageSpec> l = new ArrayList<>(first);
                        l.addAll(rest);
                        return l;
                    });
            return Combinators.combine(methodSettings, good, middle, good)
                    .as((s, a, b, c) -> new TransferPlan(pageSize, s, List.of(List.of(a, b, c))));
        });
    }

    /** @return every page kind, evenly */
    static Arbitrary<PageKind> allKinds() {
        return Arbitraries.of(PageKind.values());
    }

    /** @return every kind but zero */
    static Arbitrary<PageKind> notZero() {
        return Arbitraries.of(NOT_ZERO);
    }

    /** @return mostly incompressible pages: the worst case for the payload bound */
    static Arbitrary<PageKind> mostlyRandom() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(PageKind.RANDOM)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(PageKind.MIXED, PageKind.SPARSE, PageKind.TEXT)));
    }

    /** @return only zero pages */
    static Arbitrary<PageKind> zeroOnly() {
        return Arbitraries.just(PageKind.ZERO);
    }

    private static Arbitrary<List<PageSpec>> pages(Arbitrary<PageKind> kinds, int min, int max) {
        Arbitrary<PageSpec> page = Combinators.combine(kinds, Arbitraries.integers())
                .as(PageSpec::new);
        return page.list().ofMinSize(min).ofMaxSize(max).withSizeDistribution(RandomDistribution.biased());
    }
}
