package io.multifd.tck;

import io.multifd.api.Availability;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The jqwik lifecycle hook of every check of {@link MethodContract}: skips a check that cannot
 * apply, with the reason (never passing it silently), and adds to a failure how to rerun it with
 * the same seed.
 */
public final class RuleHook implements SkipExecutionHook, AroundPropertyHook {

    /** Created by jqwik. */
    public RuleHook() {
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        if (context instanceof PropertyLifecycleContext p && p.testInstance() instanceof MethodContract contract) {
            return whySkip(contract, p.targetMethod()).map(SkipResult::skip).orElse(SkipResult.doNotSkip());
        }
        return SkipResult.doNotSkip();
    }

    /**
     * Why a check cannot apply to a contract's method.
     *
     * @param contract the contract
     * @param check    the check
     * @return the reason, or empty when it applies
     */
    static Optional<String> whySkip(MethodContract contract, Method check) {
        MethodContractSettings settings = contract.settings();
        String reason = settings.skippedChecks().get(check.getName());
        if (reason != null) {
            return Optional.of("skipped by " + contract.getClass().getSimpleName() + ".settings(): " + reason);
        }
        Applies applies = check.getAnnotation(Applies.class);
        if (applies == null || applies.method()) {
            Availability a = contract.provider().availability();
            if (!a.isFull() && settings.availabilityOverride().isEmpty()) {
                return Optional.of("method " + contract.provider().name() + " is " + a
                        + " on this machine; the check needs both directions");
            }
        }
        if (applies != null && applies.deterministic() && !settings.deterministicPayload()) {
            return Optional.of("settings().deterministicPayload() is false: payloads of the same pages may differ"
                    + " between runs, so they cannot be compared");
        }
        return Optional.empty();
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        PropertyExecutionResult result = property.execute();
        if (result.status() != PropertyExecutionResult.Status.FAILED || result.throwable().isEmpty()) {
            return result;
        }
        Throwable t = result.throwable().get();
        String check = context.targetMethod().getName();
        boolean generated = context.targetMethod().getParameterCount() > 0;
        String seed = result.seed().orElse(null);
        if (!generated || seed == null) {
            return result;
        }
        AssertionError withSeed = new AssertionError(t.getMessage() + "\n  seed " + seed + ": to rerun this case,"
                + " override " + check + " in " + context.containerClass().getSimpleName() + " with @Property(seed = \""
                + seed + "\") and call MethodContract.super." + check + "(...)", t);
        withSeed.setStackTrace(t.getStackTrace());
        return result.mapToFailed(withSeed);
    }
}
