package io.multifd.tck;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** When a check of {@link MethodContract} applies; read by {@link RuleHook}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Applies {

    /** @return whether the check creates the method and runs it (needs both directions available) */
    boolean method() default true;

    /** @return whether the check needs {@link MethodContractSettings#deterministicPayload()} */
    boolean deterministic() default false;
}
