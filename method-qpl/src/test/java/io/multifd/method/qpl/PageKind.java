package io.multifd.method.qpl;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Kinds of page content, as in the capture generator: compressible, incompressible, nearly zero,
 * and the cases at the raw/compressed boundary.
 */
enum PageKind {
    /** English-like text. */
    TEXT,
    /** Random bytes: never fits in pageSize - 1, so it goes raw. */
    RANDOM,
    /** Zero with 1 to 8 non-zero bytes. */
    SPARSE,
    /** One repeated byte. */
    REPEATED,
    /** A little-endian u32 counter. */
    COUNTER,
    /** Half random, half zero. */
    HALF,
    /** Random bytes from a 16-letter alphabet: compresses to just under or over the limit. */
    NIBBLES,
    /** All zero: the framework sends it as a zero page, never to the method. */
    ZERO;

    private static final byte[] WORDS = ("the multifd channel sends pages of guest memory to the destination; "
            + "qpl compresses each page on its own, as raw deflate with fixed huffman codes. ")
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * @param pageSize the page size
     * @param seed     the seed
     * @return a page of this kind
     */
    byte[] page(int pageSize, long seed) {
        Random r = new Random(seed);
        byte[] p = new byte[pageSize];
        switch (this) {
            case TEXT -> {
                int start = r.nextInt(WORDS.length);
                for (int i = 0; i < pageSize; i++) {
                    p[i] = WORDS[(start + i + i / 97) % WORDS.length];
                }
            }
            case RANDOM -> r.nextBytes(p);
            case SPARSE -> {
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    p[r.nextInt(pageSize)] = (byte) (1 + r.nextInt(255));
                }
            }
            case REPEATED -> Arrays.fill(p, (byte) (1 + r.nextInt(255)));
            case COUNTER -> {
                int c = r.nextInt();
                for (int i = 0; i + 4 <= pageSize; i += 4) {
                    int v = c + i / 4;
                    p[i] = (byte) v;
                    p[i + 1] = (byte) (v >>> 8);
                    p[i + 2] = (byte) (v >>> 16);
                    p[i + 3] = (byte) (v >>> 24);
                }
            }
            case HALF -> {
                byte[] half = new byte[pageSize / 2];
                r.nextBytes(half);
                System.arraycopy(half, 0, p, r.nextBoolean() ? 0 : pageSize / 2, half.length);
            }
            case NIBBLES -> {
                for (int i = 0; i < pageSize; i++) {
                    p[i] = (byte) ('a' + r.nextInt(16));
                }
            }
            case ZERO -> {
                // stays zero
            }
            default -> throw new AssertionError(this);
        }
        return p;
    }
}
