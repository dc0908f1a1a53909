package io.multifd.tck;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * What a generated page holds. The bytes follow from the kind and a seed alone, so a failing
 * sample can be rebuilt from its description.
 *
 * @since 0.1
 */
public enum PageKind {
    /** All zero: the framework lists it as a zero page, the method never sees it. */
    ZERO,
    /** Incompressible random bytes: the worst case for {@code maxPayloadSize}. */
    RANDOM,
    /** ASCII words and line breaks: compressible, like text in guest memory. */
    TEXT,
    /** A short random pattern repeated: very compressible. */
    PATTERN,
    /** Zero except a few random bytes, one of them the last: a normal page close to a zero page. */
    SPARSE,
    /** Runs of the other kinds side by side in one page. */
    MIXED;

    private static final String[] WORDS = {"multifd", "page", "guest", "kernel", "the", "of", "migration",
        "channel", "packet", "zero", "0x7f3a", "ram", "block", "QEMU", "stream", "\n", "  ", "struct", "{", "};"};

    /**
     * Fills a page.
     *
     * @param page position 0, limit {@code pageSize}; left at position 0
     * @param seed the seed
     */
    void fill(ByteBuffer page, int seed) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + ordinal());
        byte[] bytes = new byte[page.limit()];
        fill(bytes, 0, bytes.length, random);
        page.put(0, bytes);
    }

    private void fill(byte[] page, int from, int to, SplittableRandom random) {
        switch (this) {
            case ZERO -> java.util.Arrays.fill(page, from, to, (byte) 0);
            case RANDOM -> {
                int i = from;
                while (i < to) {
                    long r = random.nextLong();
                    for (int k = 0; k < 8 && i < to; k++, r >>>= 8) {
                        page[i++] = (byte) r;
                    }
                }
            }
            case TEXT -> {
                int i = from;
                while (i < to) {
                    byte[] w = (WORDS[random.nextInt(WORDS.length)] + " ").getBytes(StandardCharsets.US_ASCII);
                    for (int k = 0; k < w.length && i < to; k++) {
                        page[i++] = w[k];
                    }
                }
            }
            case PATTERN -> {
                byte[] pattern = new byte[1 + random.nextInt(64)];
                for (int k = 0; k < pattern.length; k++) {
                    pattern[k] = (byte) random.nextInt(256);
                }
                pattern[0] |= 1;
                for (int i = from; i < to; i++) {
                    page[i] = pattern[(i - from) % pattern.length];
                }
            }
            case SPARSE -> {
                ZERO.fill(page, from, to, random);
                int n = 1 + random.nextInt(8);
                for (int k = 0; k < n; k++) {
                    page[from + random.nextInt(to - from)] = (byte) (1 + random.nextInt(255));
                }
                page[to - 1] = (byte) (1 + random.nextInt(255));
            }
            case MIXED -> {
                int i = from;
                PageKind[] parts = {ZERO, RANDOM, TEXT, PATTERN};
                while (i < to) {
                    int len = Math.min(to - i, 16 + random.nextInt(Math.max(16, (to - from) / 3)));
                    parts[random.nextInt(parts.length)].fill(page, i, i + len, random);
                    i += len;
                }
                page[to - 1] = (byte) 0x5A;
            }
            default -> throw new AssertionError(this);
        }
    }
}
