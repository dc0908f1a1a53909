package io.multifd.tck.broken;

import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/** Runs a contract class through the jqwik engine with the JUnit Platform test kit. */
final class KitRun {

    /** A check's outcome: SUCCESSFUL, FAILED, ABORTED or SKIPPED, with the message or reason. */
    record Outcome(String status, String message) {
    }

    private KitRun() {
    }

    private static List<DiscoverySelector> selectors(Class<?> contract, String... checks) {
        if (checks.length == 0) {
            return List.of(selectClass(contract));
        }
        return Arrays.stream(checks).map(c -> (DiscoverySelector) selectMethod(contract,
                Arrays.stream(contract.getMethods()).filter(m -> m.getName().equals(c)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no check " + c)))).toList();
    }

    /**
     * @param contract the contract class
     * @param checks   the checks to run; none for all
     * @return check name to outcome
     */
    static Map<String, Outcome> run(Class<?> contract, String... checks) {
        Path dir;
        try {
            dir = Files.createTempDirectory("tck-selftest");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path db = dir.resolve("jqwik-database");
        EngineExecutionResults results = EngineTestKit.engine("jqwik")
                .selectors(selectors(contract, checks).toArray(new DiscoverySelector[0]))
                .configurationParameter("jqwik.database", db.toString())
                .configurationParameter("jqwik.reporting.usejunitplatform", "true")
                .configurationParameter("jqwik.shrinking.default", "OFF")
                .execute();
        Map<String, Outcome> out = new LinkedHashMap<>();
        for (Event e : results.testEvents().list()) {
            Optional<String> check = e.getTestDescriptor().getSource().filter(MethodSource.class::isInstance)
                    .map(s -> ((MethodSource) s).getMethodName());
            if (check.isEmpty()) {
                continue;
            }
            if (e.getType() == EventType.SKIPPED) {
                out.put(check.get(), new Outcome("SKIPPED", e.getPayload(String.class).orElse("")));
            } else if (e.getType() == EventType.FINISHED) {
                TestExecutionResult r = e.getRequiredPayload(TestExecutionResult.class);
                out.put(check.get(), new Outcome(r.getStatus().name(),
                        r.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("")));
            }
        }
        try {
            Files.deleteIfExists(db);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary file left behind is harmless
        }
        return out;
    }
}
