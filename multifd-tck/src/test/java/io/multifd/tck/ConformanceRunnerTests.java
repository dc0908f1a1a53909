package io.multifd.tck;

import io.multifd.tck.broken.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner behind {@code multifd conformance JAR...}: per-rule report and JUnit XML. */
class ConformanceRunnerTests {

    /**
     * The kit's control method (the correct twin of the broken fixtures) conforms through the
     * runner; BrokenMethodsTests runs the two slow checks skipped here.
     */
    @Test
    void theControlMethodConformsAndEveryCheckIsReportedUnderItsRule(@TempDir Path xml) throws Exception {
        MethodContractSettings settings = MethodContractSettings.defaults()
                .skipping("rule_1_5_tenThousandSetupCleanupCyclesLeakNothing", "run by BrokenMethodsTests")
                .skipping("rule_1_1_runsThroughTheEngineOverLoopback", "run by BrokenMethodsTests");
        ConformanceReport report = new ConformanceReport(List.of(
                new ConformanceRunner().run(new Providers.Correct(), settings, Optional.of(xml))));

        assertThat(report.passed()).as(report.format()).isTrue();
        ConformanceReport.MethodReport control = report.methods().get(0);
        assertThat(control.method()).isEqualTo("raw-correct");
        assertThat(control.provider()).isEqualTo("io.multifd.tck.broken.Providers$Correct");
        assertThat(control.checks()).hasSize(29).allSatisfy(c -> {
            assertThat(c.status()).as(c.reason()).isEqualTo(c.check().startsWith("rule_1_5_ten")
                    || c.check().startsWith("rule_1_1_runs") ? ConformanceReport.Status.SKIPPED
                    : ConformanceReport.Status.PASSED);
            assertThat(c.check()).startsWith("rule_" + c.rule().replace('.', '_') + "_");
        });
        assertThat(control.check("rule_3_3_consumesExactlyItsPayload")).hasValueSatisfying(c -> {
            assertThat(c.rule()).isEqualTo("3.3");
            assertThat(c.reason()).isEmpty();
            assertThat(c.seed()).isEmpty();
        });
        assertThat(report.format()).contains("  PASSED  rule 2.5  rule_2_5_setsExactlyItsFlag\n")
                .contains("  PASSED  rule 4.1  rule_4_1_registeredForServiceLoader\n")
                .contains("  SKIPPED rule 1.5  rule_1_5_tenThousandSetupCleanupCyclesLeakNothing\n"
                        + "            skipped by ConformanceRunnerContract.settings(): run by BrokenMethodsTests\n")
                .endsWith("27 passed, 0 failed, 2 skipped\n");
        Path file = xml.resolve("raw-correct").resolve("TEST-jqwik.xml");
        assertThat(file).exists();
        assertThat(Files.readString(file)).contains("tests=\"29\"").contains("skipped=\"2\"").contains("failures=\"0\"")
                .contains("rule 3 3 consumesExactlyItsPayload");
    }

    @Test
    void aBrokenMethodFailsWithRuleReasonAndSeedAndSkipsWithReason(@TempDir Path xml) throws Exception {
        MethodContractSettings settings = MethodContractSettings.defaults()
                .skipping("rule_4_1_registeredForServiceLoader", "test fixture, not registered")
                .skipping("rule_1_5_tenThousandSetupCleanupCyclesLeakNothing", "not what this test is about");

        ConformanceReport.MethodReport r = new ConformanceRunner().run(new Providers.WrongFlag(), settings,
                Optional.of(xml));
        ConformanceReport report = new ConformanceReport(List.of(r));

        assertThat(report.passed()).isFalse();
        assertThat(r.check("rule_2_5_setsExactlyItsFlag")).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo(ConformanceReport.Status.FAILED);
            assertThat(c.reason()).startsWith("rule 2.5 (sendPrepare sets exactly the method's flag, also without"
                    + " normal pages) broken by method wrong-flag: ")
                    .contains("set compression 0x02, its flag is 0x0C")
                    .contains("look at: sendPrepare: setCompression(provider.flag())")
                    .contains("@Property(seed = \"" + c.seed().orElseThrow() + "\")");
        });
        assertThat(r.check("rule_4_1_registeredForServiceLoader")).hasValue(new ConformanceReport.Check(
                "rule_4_1_registeredForServiceLoader", "4.1", ConformanceReport.Status.SKIPPED,
                "skipped by ConformanceRunnerContract.settings(): test fixture, not registered", Optional.empty()));
        assertThat(r.check("rule_4_2_apiVersionIsTheCompiledOne").map(ConformanceReport.Check::status))
                .hasValue(ConformanceReport.Status.PASSED);
        assertThat(report.format())
                .contains("  FAILED  rule 2.5  rule_2_5_setsExactlyItsFlag\n")
                .contains("  SKIPPED rule 4.1  rule_4_1_registeredForServiceLoader\n"
                        + "            skipped by ConformanceRunnerContract.settings(): test fixture, not registered\n")
                .contains("DOES NOT CONFORM");
        assertThat(Files.readString(xml.resolve("wrong-flag").resolve("TEST-jqwik.xml")))
                .contains("<skipped").contains("<failure");
    }
}
