package io.multifd.tck;

import io.multifd.api.MethodProvider;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs {@link MethodContract} on providers found at run time, through the JUnit Platform launcher
 * with the jqwik engine, and reports each check: passed, failed with the reason and the seed, or
 * skipped with the reason. Optionally writes JUnit XML, one folder per method.
 *
 * <pre>{@code
 * ConformanceReport report = new ConformanceRunner().run(providers, Optional.of(Path.of("reports")));
 * System.out.print(report.format());
 * System.exit(report.passed() ? 0 : 1);
 * }</pre>
 *
 * <p>The jqwik engine ({@code net.jqwik:jqwik-engine}) must be on the class path or module path of
 * the caller's context class loader. Runs are serialised: one provider at a time.
 *
 * @since 0.1
 */
public final class ConformanceRunner {

    private static final Object LOCK = new Object();
    private static final Pattern SEED = Pattern.compile("seed = (-?\\d+)");

    /** A runner. */
    public ConformanceRunner() {
    }

    /**
     * Runs the contract with default settings on each provider.
     *
     * @param providers the methods to check
     * @param xmlDir    where to write JUnit XML ({@code xmlDir/<method>/TEST-jqwik.xml}), if anywhere
     * @return the report
     * @throws IllegalStateException when the jqwik engine is missing, so nothing ran
     * @throws UncheckedIOException  when the XML folder cannot be created
     */
    public ConformanceReport run(List<MethodProvider> providers, Optional<Path> xmlDir) {
        List<ConformanceReport.MethodReport> reports = new ArrayList<>();
        for (MethodProvider p : providers) {
            reports.add(run(p, MethodContractSettings.defaults(), xmlDir));
        }
        return new ConformanceReport(reports);
    }

    /**
     * Runs the contract on one provider.
     *
     * @param provider the method to check
     * @param settings its limits and skipped checks
     * @param xmlDir   where to write JUnit XML ({@code xmlDir/<method>/TEST-jqwik.xml}), if anywhere
     * @return the method's report
     * @throws IllegalStateException when the jqwik engine is missing, so nothing ran
     * @throws UncheckedIOException  when the XML folder cannot be created
     */
    public ConformanceReport.MethodReport run(MethodProvider provider, MethodContractSettings settings,
                                              Optional<Path> xmlDir) {
        String name = provider.name();
        synchronized (LOCK) {
            Path database = null;
            try {
                database = Files.createTempDirectory("multifd-tck-jqwik");
                ConformanceRunnerContract.set(new ConformanceRunnerContract.Target(provider, settings));
                LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectClass(ConformanceRunnerContract.class))
                        .filters(EngineFilter.includeEngines("jqwik"))
                        .configurationParameter("jqwik.database", database.resolve("database").toString())
                        .configurationParameter("jqwik.reporting.usejunitplatform", "true")
                        .configurationParameter("jqwik.reporting.onlyfailures", "true")
                        .build();
                Collector collector = new Collector();
                Launcher launcher = LauncherFactory.create();
                List<TestExecutionListener> listeners = new ArrayList<>(List.of(collector));
                if (xmlDir.isPresent()) {
                    Path dir = xmlDir.get().resolve(name);
                    Files.createDirectories(dir);
                    listeners.add(new LegacyXmlReportGeneratingListener(dir,
                            new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
                }
                launcher.execute(request, listeners.toArray(new TestExecutionListener[0]));
                if (collector.checks.isEmpty()) {
                    throw new IllegalStateException("no check of the conformance kit ran for method " + name
                            + ": is the jqwik engine (net.jqwik:jqwik-engine) on the class path?"
                            + collector.containerFailure.map(f -> " The run failed: " + f).orElse(""));
                }
                return new ConformanceReport.MethodReport(name, provider.getClass().getName(),
                        new ArrayList<>(collector.checks.values()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the conformance run of method " + name + ": "
                        + e.getMessage(), e);
            } finally {
                ConformanceRunnerContract.set(null);
                deleteQuietly(database);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }

    /** Turns launcher events into checks. */
    private static final class Collector implements TestExecutionListener {
        final Map<String, ConformanceReport.Check> checks = new LinkedHashMap<>();
        final Map<String, String> seeds = new LinkedHashMap<>();
        Optional<String> containerFailure = Optional.empty();

        private static Optional<String> checkName(TestIdentifier id) {
            return id.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getMethodName());
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            checkName(id).ifPresent(check -> entry.getKeyValuePairs().values().forEach(v -> {
                Matcher m = SEED.matcher(v);
                if (m.find()) {
                    seeds.put(check, m.group(1));
                }
            }));
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            checkName(id).ifPresent(check -> checks.put(check, new ConformanceReport.Check(check,
                    ConformanceReport.Check.ruleOf(check), ConformanceReport.Status.SKIPPED,
                    reason == null || reason.isBlank() ? "skipped without a reason" : reason, Optional.empty())));
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Optional<String> name = checkName(id);
            if (name.isEmpty() || !id.isTest()) {
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    containerFailure = result.getThrowable().map(String::valueOf);
                }
                return;
            }
            String check = name.get();
            String message = result.getThrowable().map(t -> t.getMessage() == null ? t.toString() : t.getMessage())
                    .orElse("");
            ConformanceReport.Status status = switch (result.getStatus()) {
                case SUCCESSFUL -> ConformanceReport.Status.PASSED;
                case FAILED -> ConformanceReport.Status.FAILED;
                case ABORTED -> ConformanceReport.Status.SKIPPED;
            };
            if (status != ConformanceReport.Status.PASSED && message.isBlank()) {
                message = status == ConformanceReport.Status.FAILED ? "failed without a message"
                        : "aborted without a reason";
            }
            Optional<String> seed = status == ConformanceReport.Status.FAILED
                    ? Optional.ofNullable(seeds.get(check)) : Optional.empty();
            checks.put(check, new ConformanceReport.Check(check, ConformanceReport.Check.ruleOf(check), status,
                    status == ConformanceReport.Status.PASSED ? "" : message, seed));
        }
    }
}
