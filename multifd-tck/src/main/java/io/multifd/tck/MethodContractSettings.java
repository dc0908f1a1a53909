package io.multifd.tck;

import io.multifd.api.MultifdApi;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a method declares about itself to the conformance kit: its limits, and the checks that
 * cannot apply to it (each with the reason, which the report shows). Start from
 * {@link #defaults()} and change what differs:
 *
 * <pre>{@code
 * @Override
 * public MethodContractSettings settings() {
 *     return MethodContractSettings.defaults()
 *             .withMaxLevel(9)                      // levels above 9 are too slow for a test run
 *             .withPageSizes(List.of(4096, 65536))  // the sizes the method supports
 *             .withDeterministicPayload(false);     // hardware and software paths differ
 * }
 * }</pre>
 *
 * @param pageSizes            the page sizes the method supports; generated transfers use these.
 *                             Default: every supported size, {@value MultifdApi#MIN_PAGE_SIZE} to
 *                             {@value MultifdApi#MAX_PAGE_SIZE}
 * @param maxLevel             the highest value of a parameter named {@code level} to test (high
 *                             levels may be too slow for a test run); default: the declared maximum
 * @param methodSettings       the parameter values to test, each a map of name to value; empty (the
 *                             default) means: the defaults, each integer parameter at its minimum
 *                             and at its maximum (capped by {@code maxLevel} for {@code level}),
 *                             and each choice
 * @param deterministicPayload whether the same pages on a fresh channel always give the same
 *                             payload bytes; when true (the default) the kit compares payloads
 *                             across runs to find state shared between channels (rule 1.1)
 * @param skippedChecks        check name to the reason it cannot apply to this method; a skipped
 *                             check is reported as skipped with that reason, never as passed
 * @param timeoutPerCase       how long one generated case may take before the check fails as a
 *                             hang; default 10 s
 * @param leakCycles           setup/cleanup cycles of the leak check (rule 1.5); default 10,000
 * @param nativeLeakBoundBytes how much the process's resident memory outside the Java heap may grow
 *                             over the leak cycles; default 128 MiB (generous: the measure is coarse)
 * @param allocationSlackBytes heap a {@code recv} of a malformed packet may allocate on top of
 *                             {@code 4 x maxPayloadSize(packetCapacity, pageSize)}; default 4 MiB
 * @param threads              channels run at once by the concurrency check; default 4
 * @param availabilityOverride empty (the default): when {@code availability()} says the method
 *                             cannot both encode and decode here, the checks that run it are
 *                             skipped with its reason. Otherwise why they run anyway, e.g. because
 *                             the tested {@code methodSettings} choose a pure-Java path
 * @since 0.1
 */
public record MethodContractSettings(List<Integer> pageSizes, int maxLevel, List<Map<String, String>> methodSettings,
                                     boolean deterministicPayload, Map<String, String> skippedChecks,
                                     Duration timeoutPerCase, int leakCycles, long nativeLeakBoundBytes,
                                     long allocationSlackBytes, int threads, String availabilityOverride) {

    private static final List<Integer> ALL_PAGE_SIZES = List.of(1024, 2048, 4096, 8192, 16384, 32768, 65536);

    /**
     * Checks the values.
     *
     * @param pageSizes            page sizes
     * @param maxLevel             highest level
     * @param methodSettings       parameter values to test
     * @param deterministicPayload deterministic payloads
     * @param skippedChecks        checks that cannot apply, with reasons
     * @param timeoutPerCase       time bound
     * @param leakCycles           leak cycles
     * @param nativeLeakBoundBytes native growth bound
     * @param allocationSlackBytes allocation slack
     * @param threads              concurrent channels
     * @param availabilityOverride why to run despite the availability, or empty
     */
    public MethodContractSettings {
        pageSizes = List.copyOf(pageSizes);
        if (pageSizes.isEmpty()) {
            throw new IllegalArgumentException("pageSizes must name at least one page size");
        }
        pageSizes.forEach(MultifdApi::checkPageSize);
        methodSettings = methodSettings.stream().map(m -> Map.copyOf(new LinkedHashMap<>(m))).toList();
        skippedChecks = Map.copyOf(skippedChecks);
        skippedChecks.forEach((check, reason) -> {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("skipped check " + check + " needs a reason");
            }
        });
        if (timeoutPerCase.isNegative() || timeoutPerCase.isZero()) {
            throw new IllegalArgumentException("timeoutPerCase must be positive, got " + timeoutPerCase);
        }
        if (availabilityOverride == null) {
            throw new IllegalArgumentException("availabilityOverride must not be null; empty for none");
        }
        if (leakCycles < 1 || threads < 2) {
            throw new IllegalArgumentException("leakCycles must be at least 1 and threads at least 2, got "
                    + leakCycles + " and " + threads);
        }
    }

    /** @return the defaults: everything checked, at every page size */
    public static MethodContractSettings defaults() {
        return new MethodContractSettings(ALL_PAGE_SIZES, Integer.MAX_VALUE, List.of(), true, Map.of(),
                Duration.ofSeconds(10), 10_000, 128L << 20, 4L << 20, 4, "");
    }

    /**
     * @param sizes the page sizes the method supports
     * @return a copy with these page sizes
     */
    public MethodContractSettings withPageSizes(List<Integer> sizes) {
        return new MethodContractSettings(sizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param level the highest {@code level} to test
     * @return a copy with this cap
     */
    public MethodContractSettings withMaxLevel(int level) {
        return new MethodContractSettings(pageSizes, level, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param settings the parameter values to test, each a map of name to value
     * @return a copy testing exactly these
     */
    public MethodContractSettings withMethodSettings(List<Map<String, String>> settings) {
        return new MethodContractSettings(pageSizes, maxLevel, settings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param deterministic whether the same pages always give the same payload
     * @return a copy with this declaration
     */
    public MethodContractSettings withDeterministicPayload(boolean deterministic) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministic, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * Declares that a check cannot apply to this method.
     *
     * @param check  the check's method name, e.g. {@code "rule_1_5_tenThousandSetupCleanupCyclesLeakNothing"}
     * @param reason why, as a sentence; the report shows it
     * @return a copy that skips the check
     */
    public MethodContractSettings skipping(String check, String reason) {
        Map<String, String> m = new LinkedHashMap<>(skippedChecks);
        m.put(check, reason);
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, m,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param timeout how long one case may take
     * @return a copy with this bound
     */
    public MethodContractSettings withTimeoutPerCase(Duration timeout) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeout, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param cycles setup/cleanup cycles of the leak check
     * @return a copy with this count
     */
    public MethodContractSettings withLeakCycles(int cycles) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, cycles, nativeLeakBoundBytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param bytes how much resident memory outside the heap may grow over the leak cycles
     * @return a copy with this bound
     */
    public MethodContractSettings withNativeLeakBound(long bytes) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, bytes, allocationSlackBytes, threads, availabilityOverride);
    }

    /**
     * @param bytes heap a malformed packet's {@code recv} may allocate above 4 x maxPayloadSize
     * @return a copy with this slack
     */
    public MethodContractSettings withAllocationSlack(long bytes) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, bytes, threads, availabilityOverride);
    }

    /**
     * @param count channels the concurrency check runs at once
     * @return a copy with this count
     */
    public MethodContractSettings withThreads(int count) {
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, count, availabilityOverride);
    }

    /**
     * Runs the checks that need the method even though {@code availability()} says it cannot both
     * encode and decode here, e.g. when the tested {@link #withMethodSettings method settings}
     * choose a pure-Java path that works everywhere.
     *
     * @param reason why the method works here with the tested settings
     * @return a copy with this override
     */
    public MethodContractSettings runningDespiteAvailability(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("say why the method works here despite its availability");
        }
        return new MethodContractSettings(pageSizes, maxLevel, methodSettings, deterministicPayload, skippedChecks,
                timeoutPerCase, leakCycles, nativeLeakBoundBytes, allocationSlackBytes, threads, reason);
    }
}
