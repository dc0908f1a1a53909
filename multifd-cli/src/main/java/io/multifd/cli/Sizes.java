package io.multifd.cli;

import java.util.Locale;

/** Byte sizes on the command line: {@code 4096}, {@code 64K}, {@code 256M}, {@code 2G} (binary units). */
final class Sizes {

    private Sizes() {
    }

    /**
     * @param text the size
     * @return bytes, or -1 when the text is not a size
     */
    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                case 'T' -> mult = 1L << 40;
                default -> mult = 1;
            }
            if (mult != 1) {
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long v = Long.parseLong(t);
            if (v <= 0 || v > Long.MAX_VALUE / mult) {
                return -1;
            }
            return v * mult;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
