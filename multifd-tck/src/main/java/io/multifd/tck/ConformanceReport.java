package io.multifd.tck;

import java.util.List;
import java.util.Optional;

/**
 * What {@link ConformanceRunner} found: for each method, each check with its rule and outcome.
 *
 * @param methods one report per method, in the order run
 * @since 0.1
 */
public record ConformanceReport(List<MethodReport> methods) {

    /**
     * Copies the list.
     *
     * @param methods the method reports
     */
    public ConformanceReport {
        methods = List.copyOf(methods);
    }

    /** The outcome of one check. */
    public enum Status {
        /** The check ran and held. */
        PASSED,
        /** The check ran and the method broke its rule. */
        FAILED,
        /** The check could not apply; the reason says why. */
        SKIPPED
    }

    /**
     * One check of one method.
     *
     * @param check  the check's name, e.g. {@code rule_2_4_nextPacketSizeEqualsPayloadBytes}
     * @param rule   the rule it checks, e.g. {@code 2.4}
     * @param status its outcome
     * @param reason for a failure, the message (rule broken, what happened, where to look); for a
     *               skipped check, why; empty when passed
     * @param seed   the jqwik seed that reproduces a failure of a generated check
     */
    public record Check(String check, String rule, Status status, String reason, Optional<String> seed) {

        /**
         * Checks the values.
         *
         * @param check  name
         * @param rule   rule
         * @param status outcome
         * @param reason reason
         * @param seed   seed
         */
        public Check {
            if (status != Status.PASSED && (reason == null || reason.isBlank())) {
                throw new IllegalArgumentException("check " + check + " is " + status + " without a reason");
            }
            reason = reason == null ? "" : reason;
        }

        /**
         * The rule a check name cites: {@code rule_2_4_x} cites 2.4.
         *
         * @param check a check name
         * @return the rule, or {@code "?"}
         */
        static String ruleOf(String check) {
            String[] parts = check.split("_");
            return parts.length > 2 && parts[0].equals("rule") ? parts[1] + "." + parts[2] : "?";
        }
    }

    /**
     * The checks of one method.
     *
     * @param method   the method's name
     * @param provider the provider's class
     * @param checks   every check, in the order they ran
     */
    public record MethodReport(String method, String provider, List<Check> checks) {

        /**
         * Copies the list.
         *
         * @param method   name
         * @param provider class
         * @param checks   checks
         */
        public MethodReport {
            checks = List.copyOf(checks);
        }

        /** @return whether no check failed (and at least one ran) */
        public boolean passed() {
            return !checks.isEmpty() && checks.stream().noneMatch(c -> c.status() == Status.FAILED);
        }

        /** @return the failed checks */
        public List<Check> failures() {
            return checks.stream().filter(c -> c.status() == Status.FAILED).toList();
        }

        /**
         * @param check a check's name
         * @return its outcome, if it ran
         */
        public Optional<Check> check(String check) {
            return checks.stream().filter(c -> c.check().equals(check)).findFirst();
        }

        /** @return how many checks have a status */
        long count(Status status) {
            return checks.stream().filter(c -> c.status() == status).count();
        }
    }

    /** @return whether every method passed */
    public boolean passed() {
        return !methods.isEmpty() && methods.stream().allMatch(MethodReport::passed);
    }

    /**
     * The report as text for a terminal: one line per check, reasons indented under it, a summary
     * line per method and an overall line {@code N passed, N failed, N skipped}.
     *
     * @return the text
     */
    public String format() {
        StringBuilder sb = new StringBuilder();
        long passed = 0;
        long failed = 0;
        long skipped = 0;
        for (MethodReport m : methods) {
            sb.append("method ").append(m.method()).append(" (").append(m.provider()).append(")\n");
            for (Check c : m.checks()) {
                sb.append(String.format("  %-7s rule %-4s %s%n", c.status(), c.rule(), c.check()));
                if (c.status() != Status.PASSED) {
                    for (String line : c.reason().split("\n")) {
                        sb.append("            ").append(line.strip()).append('\n');
                    }
                    c.seed().ifPresent(s -> sb.append("            seed ").append(s).append('\n'));
                }
            }
            sb.append(String.format("  %s: %d passed, %d failed, %d skipped%n", m.passed() ? "CONFORMS" : "DOES NOT"
                    + " CONFORM", m.count(Status.PASSED), m.count(Status.FAILED), m.count(Status.SKIPPED)));
            passed += m.count(Status.PASSED);
            failed += m.count(Status.FAILED);
            skipped += m.count(Status.SKIPPED);
        }
        sb.append(String.format("%d passed, %d failed, %d skipped%n", passed, failed, skipped));
        return sb.toString();
    }
}
