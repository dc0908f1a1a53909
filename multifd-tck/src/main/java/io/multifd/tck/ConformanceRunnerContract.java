package io.multifd.tck;

import io.multifd.api.MethodProvider;

/**
 * The contract as {@link ConformanceRunner} runs it: the provider and settings come from the
 * runner, one run at a time.
 */
final class ConformanceRunnerContract implements MethodContract {

    /** A provider and its settings. */
    record Target(MethodProvider provider, MethodContractSettings settings) {
    }

    private static volatile Target target;

    ConformanceRunnerContract() {
    }

    static void set(Target t) {
        target = t;
    }

    private static Target target() {
        Target t = target;
        if (t == null) {
            throw new IllegalStateException("ConformanceRunnerContract runs only under ConformanceRunner");
        }
        return t;
    }

    @Override
    public MethodProvider provider() {
        return target().provider();
    }

    @Override
    public MethodContractSettings settings() {
        return target().settings();
    }
}
