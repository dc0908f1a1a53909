package io.multifd.cli;

import io.multifd.api.MethodParameter;
import io.multifd.api.MultifdException;
import io.multifd.core.json.Json;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.registry.ProviderProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code multifd methods}: every method found, and every provider that could not be used. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = {"Lists the compression methods found on the module path, the class path and in the plugins "
                + "folder: name, wire flag, version, availability (with the reason when unavailable), parameters "
                + "and where each was loaded from; then the providers that were skipped and why."})
public final class MethodsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--json", description = "Print JSON for machines instead of a table.")
    boolean json;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public MethodsCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CliLogging.quiet("io.multifd.core.registry");
        MethodRegistry r = registryOptions.registry(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(toJson(r));
        } else {
            printTable(r, out);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static void printTable(MethodRegistry r, PrintWriter out) {
        if (r.methods().isEmpty()) {
            out.println("no method found");
        } else {
            Table t = new Table("NAME", "FLAG", "VERSION", "AVAILABILITY", "PARAMETERS", "LOADED FROM");
            for (DiscoveredMethod m : r.methods()) {
                String params = m.parameters().isEmpty() ? "-"
                        : m.parameters().stream().map(MethodParameter::toString).collect(Collectors.joining("; "));
                t.row(m.name(), m.flag(), m.version(), status(m), params,
                        m.location() + " (" + m.origin().label() + ")");
            }
            t.print(out);
            for (DiscoveredMethod m : r.methods()) {
                if (!m.availability().isFull()) {
                    out.println();
                    out.println(m.name() + ": " + status(m) + ": " + m.availability().reason());
                }
            }
        }
        if (!r.problems().isEmpty()) {
            out.println();
            out.println(r.problems().size() + (r.problems().size() == 1 ? " provider" : " providers")
                    + " skipped:");
            for (ProviderProblem p : r.problems()) {
                out.println("  " + p.providerClass() + " from " + p.location() + ": " + p.reason());
            }
        }
    }

    private static String status(DiscoveredMethod m) {
        if (m.availability().isFull()) {
            return "available";
        }
        if (m.canDecode()) {
            return "decode only";
        }
        return m.canEncode() ? "encode only" : "unavailable";
    }

    static String toJson(MethodRegistry r) {
        StringBuilder sb = new StringBuilder("{\n  \"methods\": [");
        List<DiscoveredMethod> ms = r.methods();
        for (int i = 0; i < ms.size(); i++) {
            DiscoveredMethod m = ms.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"name\": ").append(Json.quote(m.name()))
                    .append(", \"flag\": ").append(Json.quote(m.flag().toString()))
                    .append(", \"flag_value\": ").append(m.flag().value())
                    .append(", \"version\": ").append(Json.quote(m.version()))
                    .append(", \"available\": ").append(m.availability().isFull())
                    .append(", \"can_encode\": ").append(m.canEncode())
                    .append(", \"can_decode\": ").append(m.canDecode())
                    .append(", \"reason\": ").append(Json.quote(m.availability().reason()))
                    .append(", \"provider\": ").append(Json.quote(m.providerClass()))
                    .append(", \"location\": ").append(Json.quote(m.location()))
                    .append(", \"origin\": ").append(Json.quote(m.origin().label()))
                    .append(", \"parameters\": [");
            List<MethodParameter> ps = m.parameters();
            for (int j = 0; j < ps.size(); j++) {
                MethodParameter p = ps.get(j);
                sb.append(j == 0 ? "" : ", ").append("{\"name\": ").append(Json.quote(p.name()))
                        .append(", \"description\": ").append(Json.quote(p.description()));
                if (p.isInt()) {
                    sb.append(", \"min\": ").append(p.min()).append(", \"max\": ").append(p.max());
                } else {
                    sb.append(", \"choices\": [").append(p.choices().stream().map(Json::quote)
                            .collect(Collectors.joining(", "))).append("]");
                }
                sb.append(", \"default\": ").append(Json.quote(p.defaultValue())).append("}");
            }
            sb.append("]}");
        }
        sb.append(ms.isEmpty() ? "],\n" : "\n  ],\n");
        sb.append("  \"problems\": [");
        List<ProviderProblem> ps = r.problems();
        for (int i = 0; i < ps.size(); i++) {
            ProviderProblem p = ps.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"provider\": ").append(Json.quote(p.providerClass()))
                    .append(", \"location\": ").append(Json.quote(p.location()))
                    .append(", \"reason\": ").append(Json.quote(p.reason())).append("}");
        }
        sb.append(ps.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        return sb.toString();
    }
}
