package io.multifd.api;

import java.util.List;

/**
 * One setting a method accepts, such as its compression level.
 *
 * <p>An integer parameter has a range; a choice parameter has a list of words. Values always
 * travel as strings (command line, negotiation) and are checked here before a method sees them.
 *
 * @param name         the name, e.g. {@code "level"}
 * @param description  one sentence for {@code --help} and {@code methods}
 * @param min          smallest value of an integer parameter
 * @param max          largest value of an integer parameter
 * @param choices      the words of a choice parameter; empty for an integer parameter
 * @param defaultValue the default, as a string
 * @since 0.1
 */
public record MethodParameter(String name, String description, int min, int max, List<String> choices,
                              String defaultValue) {

    /**
     * Validates the declaration.
     *
     * @param name         name
     * @param description  description
     * @param min          min
     * @param max          max
     * @param choices      choices
     * @param defaultValue default
     */
    public MethodParameter {
        if (name == null || !name.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("parameter name '" + name + "' must match [a-z][a-z0-9-]{0,31}");
        }
        choices = List.copyOf(choices);
        if (description == null) {
            throw new IllegalArgumentException("parameter " + name + " needs a description");
        }
        if (choices.isEmpty() && min > max) {
            throw new IllegalArgumentException("parameter " + name + ": min " + min + " > max " + max);
        }
        String problem = problem(defaultValue, name, min, max, choices);
        if (problem != null) {
            throw new IllegalArgumentException("default of " + problem);
        }
    }

    /**
     * An integer parameter.
     *
     * @param name         name
     * @param description  one sentence
     * @param min          smallest value
     * @param max          largest value
     * @param defaultValue default
     * @return the parameter
     */
    public static MethodParameter ofInt(String name, String description, int min, int max, int defaultValue) {
        return new MethodParameter(name, description, min, max, List.of(), Integer.toString(defaultValue));
    }

    /**
     * A choice parameter.
     *
     * @param name         name
     * @param description  one sentence
     * @param choices      the accepted words
     * @param defaultValue default, one of the choices
     * @return the parameter
     */
    public static MethodParameter ofChoice(String name, String description, List<String> choices,
                                           String defaultValue) {
        return new MethodParameter(name, description, 0, 0, choices, defaultValue);
    }

    /** @return whether this is an integer parameter */
    public boolean isInt() {
        return choices.isEmpty();
    }

    /**
     * Checks a value.
     *
     * @param value a value as a string
     * @return a sentence saying what is wrong, or null when it is valid
     */
    public String check(String value) {
        return problem(value, name, min, max, choices);
    }

    private static String problem(String value, String name, int min, int max, List<String> choices) {
        if (value == null) {
            return "parameter " + name + " is missing";
        }
        if (!choices.isEmpty()) {
            return choices.contains(value) ? null
                    : "parameter " + name + " is '" + value + "', expected one of " + choices;
        }
        try {
            int v = Integer.parseInt(value.trim());
            return v >= min && v <= max ? null
                    : "parameter " + name + " is " + v + ", expected " + min + ".." + max;
        } catch (NumberFormatException e) {
            return "parameter " + name + " is '" + value + "', expected a whole number " + min + ".." + max;
        }
    }

    @Override
    public String toString() {
        return isInt() ? name + "=" + min + ".." + max + " (default " + defaultValue + ")"
                : name + "=" + String.join("|", choices) + " (default " + defaultValue + ")";
    }
}
