package io.multifd.cli;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.json.Json;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.registry.ProviderProblem;
import io.multifd.tck.ConformanceReport;
import io.multifd.tck.ConformanceRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code multifd conformance JAR...}: runs the conformance kit (multifd-tck) on the methods of
 * method jars, through the JUnit Platform launcher with the jqwik engine, and reports each rule.
 *
 * <p>Each jar is loaded as the registry loads a jar of the plugins folder (its own module layer on
 * the module path, its own class loader on the class path), one jar at a time, so a jar the
 * project has never seen is checked exactly as it would run. The methods already installed (the
 * built-in ones, the class path) take part in the uniqueness checks but are not checked
 * themselves.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the conformance kit on the compression methods of method jars: every rule of the "
                + "hook contract, through the JUnit Platform launcher. Prints one line per check (passed; failed "
                + "with the reason and the seed that reruns it; skipped with the reason), writes JUnit XML, and "
                + "exits 1 when a check fails or a jar cannot be loaded.",
                "Each jar is loaded on its own, as a jar of the plugins folder is."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every method of every jar conforms",
                "1:a check failed, or a jar provides no usable method",
                "2:usage error (no such jar)"})
public final class ConformanceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "JAR", description = "Method jars to check.")
    List<Path> jars;

    @Option(names = "--xml", paramLabel = "DIR", defaultValue = "conformance-reports",
            description = "Write JUnit XML here, DIR/<method>/TEST-jqwik.xml (default: ${DEFAULT-VALUE}).")
    Path xml;

    @Option(names = "--json", description = "Print JSON for machines instead of the report.")
    boolean json;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public ConformanceCommand() {
    }

    /** What one jar gave: its methods, and the providers that could not be used. */
    private record Loaded(Path jar, List<DiscoveredMethod> methods, List<String> problems) {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new CommandLine.ParameterException(cl, "JAR " + jar + " is not a file");
            }
        }
        CliLogging.quiet("io.multifd.core.registry");
        Path staging;
        try {
            staging = Files.createTempDirectory("multifd-conformance");
        } catch (IOException e) {
            throw new MultifdException("cannot create a temporary folder to load the jars from: " + e.getMessage(), e);
        }
        try {
            List<Loaded> loaded = new ArrayList<>();
            for (int i = 0; i < jars.size(); i++) {
                loaded.add(load(jars.get(i), staging.resolve(Integer.toString(i))));
            }
            List<MethodProvider> providers = loaded.stream().flatMap(l -> l.methods().stream())
                    .map(DiscoveredMethod::provider).toList();
            ConformanceReport report = providers.isEmpty() ? new ConformanceReport(List.of())
                    : new ConformanceRunner().run(providers, Optional.of(xml));
            boolean loadFailed = loaded.stream().anyMatch(l -> l.methods().isEmpty() || !l.problems().isEmpty());
            boolean ok = !loadFailed && report.passed();
            PrintWriter out = cl.getOut();
            if (json) {
                out.print(toJson(loaded, report, ok, xml));
            } else {
                print(loaded, report, out, xml);
            }
            out.flush();
            return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
        } catch (UncheckedIOException e) {
            throw new MultifdException("cannot write the JUnit XML to " + xml + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(staging);
        }
    }

    /**
     * Loads one jar through the registry's plugin loading: the jar alone in a plugins folder of
     * its own (a link to it, or a copy where links are not allowed).
     */
    private Loaded load(Path jar, Path folder) {
        Path abs = jar.toAbsolutePath().normalize();
        Path staged = folder.resolve(abs.getFileName().toString().endsWith(".jar") ? abs.getFileName().toString()
                : abs.getFileName() + ".jar");
        try {
            Files.createDirectories(folder);
            try {
                Files.createSymbolicLink(staged, abs);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(abs, staged);
            }
        } catch (IOException e) {
            return new Loaded(abs, List.of(), List.of("cannot be staged for loading: " + e.getMessage()));
        }
        String stagedName = staged.toString();
        MethodRegistry registry;
        try {
            registry = MethodRegistry.discover(folder);
        } catch (MultifdException e) {
            return new Loaded(abs, List.of(), List.of(e.getMessage().replace(stagedName, abs.toString())));
        }
        List<DiscoveredMethod> methods = registry.methods().stream()
                .filter(m -> m.origin() == DiscoveredMethod.Origin.PLUGIN && m.location().equals(stagedName)).toList();
        List<String> problems = new ArrayList<>();
        for (ProviderProblem p : registry.problems()) {
            if (p.location().equals(stagedName)) {
                problems.add(p.providerClass() + ": " + p.reason().replace(stagedName, abs.toString()));
            }
        }
        if (methods.isEmpty() && problems.isEmpty()) {
            problems.add("provides no method (no 'provides io.multifd.api.MethodProvider' in module-info and no "
                    + MethodRegistry.SERVICE_FILE + ")");
        }
        return new Loaded(abs, methods, problems);
    }

    private static void print(List<Loaded> loaded, ConformanceReport report, PrintWriter out, Path xml) {
        for (Loaded l : loaded) {
            out.println("jar " + l.jar() + ": " + (l.methods().isEmpty() ? "no usable method"
                    : "method" + (l.methods().size() == 1 ? " " : "s ")
                    + String.join(", ", l.methods().stream().map(m -> m.name() + " (flag " + m.flag() + ", version "
                    + m.version() + ")").toList())));
            for (String p : l.problems()) {
                out.println("  cannot load " + p);
            }
        }
        out.println();
        if (report.methods().isEmpty()) {
            out.println("no method to check");
            out.println("0 passed, 0 failed, 0 skipped");
            return;
        }
        out.println("JUnit XML: " + xml.toAbsolutePath().normalize() + "/<method>/TEST-jqwik.xml");
        out.println();
        out.print(report.format());
    }

    private static String toJson(List<Loaded> loaded, ConformanceReport report, boolean ok, Path xml) {
        StringBuilder sb = new StringBuilder("{\n  \"conforms\": ").append(ok).append(",\n  \"jars\": [");
        for (int i = 0; i < loaded.size(); i++) {
            Loaded l = loaded.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"jar\": ").append(Json.quote(l.jar().toString()))
                    .append(", \"methods\": [").append(String.join(", ", l.methods().stream()
                            .map(m -> Json.quote(m.name())).toList()))
                    .append("], \"problems\": [").append(String.join(", ", l.problems().stream().map(Json::quote)
                            .toList())).append("]}");
        }
        sb.append(loaded.isEmpty() ? "],\n" : "\n  ],\n").append("  \"methods\": [");
        long[] counts = new long[ConformanceReport.Status.values().length];
        List<ConformanceReport.MethodReport> ms = report.methods();
        for (int i = 0; i < ms.size(); i++) {
            ConformanceReport.MethodReport m = ms.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"method\": ").append(Json.quote(m.method()))
                    .append(", \"provider\": ").append(Json.quote(m.provider()))
                    .append(", \"conforms\": ").append(m.passed()).append(", \"checks\": [");
            for (int j = 0; j < m.checks().size(); j++) {
                ConformanceReport.Check c = m.checks().get(j);
                counts[c.status().ordinal()]++;
                sb.append(j == 0 ? "\n" : ",\n").append("      {\"check\": ").append(Json.quote(c.check()))
                        .append(", \"rule\": ").append(Json.quote(c.rule()))
                        .append(", \"status\": ").append(Json.quote(c.status().name().toLowerCase(java.util.Locale.ROOT)))
                        .append(", \"reason\": ").append(Json.quote(c.reason()))
                        .append(", \"seed\": ").append(c.seed().map(Json::quote).orElse("null")).append("}");
            }
            sb.append(m.checks().isEmpty() ? "]}" : "\n    ]}");
        }
        sb.append(ms.isEmpty() ? "],\n" : "\n  ],\n")
                .append("  \"passed\": ").append(counts[ConformanceReport.Status.PASSED.ordinal()])
                .append(",\n  \"failed\": ").append(counts[ConformanceReport.Status.FAILED.ordinal()])
                .append(",\n  \"skipped\": ").append(counts[ConformanceReport.Status.SKIPPED.ordinal()])
                .append(",\n  \"xml\": ").append(Json.quote(xml.toAbsolutePath().normalize().toString()))
                .append("\n}\n");
        return sb.toString();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder of links left behind is harmless
        }
    }
}
