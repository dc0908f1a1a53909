package io.multifd.method.qpl;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The values of the {@code path} parameter: which engine compresses the pages.
 */
enum QplPath {
    /** libqpl's hardware path (Intel IAA); setup fails when the hardware does not initialise. */
    HARDWARE,
    /** libqpl's software path (CPU). */
    SOFTWARE,
    /** libqpl's hardware path when it initialises, else its software path. */
    AUTO,
    /** The pure-Java encoder ({@code Deflater(1, true)}); needs no libqpl. */
    JAVA;

    /** @return the parameter word */
    String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return every parameter word, in declaration order */
    static List<String> words() {
        return Arrays.stream(values()).map(QplPath::word).toList();
    }

    /**
     * @param word a checked parameter value
     * @return the path
     */
    static QplPath of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }

    /** @return whether this path needs libqpl to encode */
    boolean needsLibqpl() {
        return this != JAVA;
    }
}
