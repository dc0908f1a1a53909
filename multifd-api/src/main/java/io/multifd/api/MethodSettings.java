package io.multifd.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked values of a method's parameters for one transfer (both peers use the same).
 *
 * @since 0.1
 */
public final class MethodSettings {

    private final Map<String, String> values;

    private MethodSettings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Checks requested values against the declared parameters and fills in defaults.
     *
     * @param methodName the method, for messages
     * @param declared   what the method declares
     * @param requested  what the user or the peer asked for (may be empty)
     * @return the settings
     * @throws MultifdException naming the parameter, the value and the accepted range, or an
     *                          unknown parameter and the known ones
     */
    public static MethodSettings resolve(String methodName, List<MethodParameter> declared,
                                         Map<String, String> requested) throws MultifdException {
        Map<String, String> out = new LinkedHashMap<>();
        for (MethodParameter p : declared) {
            out.put(p.name(), p.defaultValue());
        }
        for (Map.Entry<String, String> e : requested.entrySet()) {
            MethodParameter p = declared.stream().filter(d -> d.name().equals(e.getKey())).findFirst().orElse(null);
            if (p == null) {
                throw new MultifdException(methodName, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                        e.getKey(), "unknown parameter '" + e.getKey() + "'; method " + methodName + " accepts "
                        + declared.stream().map(MethodParameter::name).toList(), null);
            }
            String problem = p.check(e.getValue());
            if (problem != null) {
                throw new MultifdException(methodName, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                        p.name(), problem, null);
            }
            out.put(p.name(), p.isInt() ? Integer.toString(Integer.parseInt(e.getValue().trim())) : e.getValue());
        }
        return new MethodSettings(out);
    }

    /**
     * Settings with no parameters, for methods that take none.
     *
     * @return empty settings
     */
    public static MethodSettings empty() {
        return new MethodSettings(new LinkedHashMap<>());
    }

    /**
     * An integer parameter's value.
     *
     * @param name the parameter
     * @return its value
     * @throws IllegalArgumentException when the method did not declare it
     */
    public int intValue(String name) {
        return Integer.parseInt(value(name));
    }

    /**
     * A parameter's value.
     *
     * @param name the parameter
     * @return its value
     * @throws IllegalArgumentException when the method did not declare it
     */
    public String value(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in " + values.keySet());
        }
        return v;
    }

    /** @return every value, in declaration order */
    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MethodSettings s && s.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
