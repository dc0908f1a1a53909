package io.multifd.core.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's one JSON reader and string writer: a small, strict reader for the files the
 * {@code qemu.live} package writes and reads back ({@code blocks.json}, {@code channels/index.json})
 * and for QMP replies, and {@link #quote(String)} for every hand-built JSON output (decoder summaries,
 * CLI {@code --json}). Objects become {@code Map<String, Object>}
 * (in document order), arrays {@code List<Object>}, numbers {@code Long} when integral and
 * {@code Double} otherwise, and {@code true}/{@code false}/{@code null} themselves.
 *
 * @since 0.1
 */
public final class Json {

    private static final int MAX_DEPTH = 64;

    private final String text;
    private int at;

    private Json(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value; only white space may follow it.
     *
     * @param text the document
     * @return the value
     * @throws IllegalArgumentException naming the offset of the first syntax error
     */
    public static Object parse(String text) {
        Json p = new Json(text);
        Object v = p.value(0);
        p.space();
        if (p.at != text.length()) {
            throw p.error("unexpected text after the value");
        }
        return v;
    }

    /**
     * Parses a document whose top level must be an object.
     *
     * @param text the document
     * @return the object
     * @throws IllegalArgumentException for a syntax error or another top-level value
     */
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object, got " + describe(v));
        }
        return asObject(v);
    }

    /**
     * Casts a parsed value to an object.
     *
     * @param v a parsed value
     * @return the object
     * @throws IllegalArgumentException when it is not one
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object v) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object, got " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    /**
     * Casts a parsed value to an array.
     *
     * @param v a parsed value
     * @return the list
     * @throws IllegalArgumentException when it is not one
     */
    @SuppressWarnings("unchecked")
    public static List<Object> asList(Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("expected a JSON array, got " + describe(v));
        }
        return (List<Object>) v;
    }

    /**
     * A member of an object that must be a string.
     *
     * @param o    the object
     * @param name the member
     * @return its value
     * @throws IllegalArgumentException when absent or not a string
     */
    public static String string(Map<String, Object> o, String name) {
        Object v = o.get(name);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("member '" + name + "' must be a string, got " + describe(v));
        }
        return s;
    }

    /**
     * A member of an object that must be an integer.
     *
     * @param o    the object
     * @param name the member
     * @return its value
     * @throws IllegalArgumentException when absent or not an integer
     */
    public static long integer(Map<String, Object> o, String name) {
        Object v = o.get(name);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("member '" + name + "' must be an integer, got " + describe(v));
        }
        return l;
    }

    private static String describe(Object v) {
        return v == null ? "null" : v instanceof Map ? "an object" : v instanceof List ? "an array"
                : v instanceof String ? "a string" : v.toString();
    }

    /**
     * A JSON string literal, escaped.
     *
     * @param s the text, or null
     * @return the literal, or {@code null}
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    // ------------------------------------------------------------------ parser

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        space();
        if (at >= text.length()) {
            throw error("unexpected end of the document");
        }
        char c = text.charAt(at);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return word("true", Boolean.TRUE);
            case 'f':
                return word("false", Boolean.FALSE);
            case 'n':
                return word("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> object(int depth) {
        at++;
        Map<String, Object> m = new LinkedHashMap<>();
        space();
        if (peek() == '}') {
            at++;
            return m;
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw error("expected a member name");
            }
            String name = string();
            space();
            expect(':');
            m.put(name, value(depth + 1));
            space();
            char c = next();
            if (c == '}') {
                return Collections.unmodifiableMap(m);
            }
            if (c != ',') {
                at--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        at++;
        List<Object> l = new ArrayList<>();
        space();
        if (peek() == ']') {
            at++;
            return l;
        }
        while (true) {
            l.add(value(depth + 1));
            space();
            char c = next();
            if (c == ']') {
                return Collections.unmodifiableList(l);
            }
            if (c != ',') {
                at--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        at++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            sb.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        at += 4;
                    }
                    default -> {
                        at--;
                        throw error("bad escape '\\" + e + "'");
                    }
                }
            } else if (c < 0x20) {
                at--;
                throw error("control character in a string");
            } else {
                sb.append(c);
            }
        }
    }

    private Object number() {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        boolean integral = true;
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c >= '0' && c <= '9') {
                at++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                at++;
            } else {
                break;
            }
        }
        String s = text.substring(start, at);
        try {
            if (integral) {
                return Long.parseLong(s);
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            at = start;
            throw error("bad number '" + s + "'");
        }
    }

    private Object word(String w, Object v) {
        if (!text.startsWith(w, at)) {
            throw error("unexpected word");
        }
        at += w.length();
        return v;
    }

    private void space() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                at++;
            } else {
                return;
            }
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw error("unexpected end of the document");
        }
        return text.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            at--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON syntax error at offset " + at + ": " + what);
    }
}
