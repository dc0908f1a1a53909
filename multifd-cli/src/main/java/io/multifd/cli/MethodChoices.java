package io.multifd.cli;

import io.multifd.api.MethodParameter;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.registry.MethodUnavailableException;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code --method M|auto|A,B}, {@code --level L} and {@code --param NAME=VALUE} into the
 * methods a source offers, in preference order.
 */
final class MethodChoices {

    /** The order {@code auto} prefers: best ratio per CPU first, no compression last. */
    static final List<String> AUTO_ORDER = List.of("zstd", "zlib", "qpl");

    private MethodChoices() {
    }

    /**
     * @param cl       the command, for usage errors
     * @param registry the methods found
     * @param method   {@code auto}, a name or a comma list
     * @param level    {@code --level}, or null
     * @param params   {@code --param} values
     * @param use      encode for {@code send}, both for {@code bench}
     * @return the choices, in preference order
     * @throws MethodUnavailableException when a named method is unknown or cannot work here
     */
    static List<MethodChoice> resolve(CommandLine cl, MethodRegistry registry, String method, Integer level,
                                      Map<String, String> params, MethodRegistry.Use use)
            throws MethodUnavailableException {
        boolean auto = method.equals("auto");
        List<DiscoveredMethod> methods = new ArrayList<>();
        if (auto) {
            for (DiscoveredMethod m : registry.methods()) {
                boolean ok = use == MethodRegistry.Use.ENCODE ? m.canEncode() : m.availability().isFull();
                if (ok) {
                    methods.add(m);
                }
            }
            methods.sort(Comparator.comparingInt(MethodChoices::rank).thenComparing(DiscoveredMethod::name));
            if (methods.isEmpty()) {
                throw new MethodUnavailableException(null, "no method can "
                        + (use == MethodRegistry.Use.ENCODE ? "encode" : "encode and decode") + " here; installed: "
                        + registry.names());
            }
        } else {
            for (String name : method.split(",")) {
                methods.add(registry.require(name.trim(), use));
            }
        }
        List<MethodChoice> out = new ArrayList<>();
        for (DiscoveredMethod m : methods) {
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : params.entrySet()) {
                MethodParameter p = parameter(m, e.getKey());
                String problem = p == null ? null : p.check(e.getValue());
                if (p != null && problem == null) {
                    values.put(e.getKey(), e.getValue());
                } else if (!auto) {
                    throw new CommandLine.ParameterException(cl, p == null
                            ? "method " + m.name() + " has no parameter " + e.getKey() + "; it accepts "
                                    + m.parameters().stream().map(MethodParameter::toString).toList()
                            : "method " + m.name() + ": " + problem);
                }
            }
            if (level != null) {
                MethodParameter p = parameter(m, "level");
                String v = Integer.toString(level);
                if (p != null && p.check(v) == null) {
                    values.put("level", v);
                } else if (!auto) {
                    throw new CommandLine.ParameterException(cl, p == null
                            ? "method " + m.name() + " has no compression level"
                            : "--level " + level + " for method " + m.name() + ": " + p.check(v));
                }
            }
            out.add(new MethodChoice(m.provider(), values));
        }
        return out;
    }

    private static MethodParameter parameter(DiscoveredMethod m, String name) {
        return m.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    private static int rank(DiscoveredMethod m) {
        int i = AUTO_ORDER.indexOf(m.name());
        if (i >= 0) {
            return i;
        }
        return m.name().equals("none") ? Integer.MAX_VALUE : AUTO_ORDER.size();
    }
}
