package io.multifd.cli.bench;

import io.multifd.core.image.Block;
import io.multifd.core.image.MemoryImage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic, guest-like memory image: pages come in runs of one kind, as in a real guest's
 * RAM, in these proportions: zero 35%, text 15%, machine code 20%, patterns and pointer tables
 * 15%, random (already compressed or encrypted data) 15%. The same seed and size always give the
 * same bytes.
 */
public final class GuestImage {

    /** Kinds of pages. */
    public enum Kind {
        /** All zero (never written, freed, or cleared). */
        ZERO,
        /** ASCII text: words, spaces, newlines. */
        TEXT,
        /** x86-64-like instruction bytes. */
        CODE,
        /** Short repeated fills (poison, 0xff) and tables of kernel-like pointers. */
        PATTERN,
        /** Uniformly random bytes. */
        RANDOM
    }

    private static final double[] WEIGHTS = {0.35, 0.15, 0.20, 0.15, 0.15};
    private static final int CORPUS_BYTES = 1 << 20;
    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or "
            + "his from at which but have an they you were her she there been one all we their has would when "
            + "kernel memory page buffer device driver config error warning return value struct function static "
            + "const void int long char unsigned pointer offset block channel packet migration qemu guest host "
            + "virtual machine network socket thread process file system user root admin server client request "
            + "response header content length type json html http https www com org net data table index key "
            + "string number true false null undefined object array list map set queue stack").split(" ");

    private final byte[] text;
    private final byte[] code;
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);

    private GuestImage(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.text = textCorpus(r);
        this.code = codeCorpus(r);
        for (Kind k : Kind.values()) {
            counts.put(k, 0L);
        }
    }

    /**
     * Fills every page of a zero-filled image.
     *
     * @param image the image (fresh: all zero)
     * @param seed  the seed
     * @return how many pages of each kind were written
     */
    public static Map<Kind, Long> fill(MemoryImage image, long seed) {
        GuestImage g = new GuestImage(seed);
        SplittableRandom r = new SplittableRandom(seed);
        int pageSize = image.pageSize();
        for (Block b : image.blocks()) {
            long p = 0;
            while (p < b.pages()) {
                Kind kind = pick(r);
                long run = 1 + (long) (r.nextDouble() * r.nextDouble() * 64);
                for (long i = 0; i < run && p < b.pages(); i++, p++) {
                    g.page(kind, b.page(p * pageSize), r);
                    g.counts.merge(kind, 1L, Long::sum);
                }
            }
        }
        return g.counts;
    }

    private static Kind pick(SplittableRandom r) {
        double x = r.nextDouble();
        for (int i = 0; i < WEIGHTS.length; i++) {
            x -= WEIGHTS[i];
            if (x < 0) {
                return Kind.values()[i];
            }
        }
        return Kind.RANDOM;
    }

    private void page(Kind kind, ByteBuffer page, SplittableRandom r) {
        int n = page.capacity();
        switch (kind) {
            case ZERO -> {
                // the image starts zero
            }
            case TEXT -> page.put(0, text, r.nextInt(CORPUS_BYTES - n), n);
            case CODE -> {
                page.put(0, code, r.nextInt(CORPUS_BYTES - n), n);
                // relocations: a few patched 32-bit displacements per page
                for (int i = 0; i < 8; i++) {
                    page.putInt(r.nextInt(n - 4), r.nextInt(1 << 20));
                }
            }
            case PATTERN -> pattern(page, r);
            case RANDOM -> {
                for (int i = 0; i < n; i += 8) {
                    page.putLong(i, r.nextLong());
                }
            }
        }
    }

    private static void pattern(ByteBuffer page, SplittableRandom r) {
        int n = page.capacity();
        if (r.nextBoolean()) {
            int period = 1 << r.nextInt(5);
            int style = r.nextInt(3);
            long[] unit = new long[Math.max(1, period / 8)];
            for (int i = 0; i < period; i++) {
                long b = style == 0 ? 0xff : style == 1 ? 0x6b : r.nextInt(256);
                for (int rep = i; rep < Math.max(8, period); rep += period) {
                    unit[rep / 8] |= b << (8 * (rep % 8));
                }
            }
            for (int i = 0; i < n; i += 8) {
                page.putLong(i, unit[(i / 8) % unit.length]);
            }
        } else {
            // a table of 64-byte structs: two kernel pointers, a small id, flags, a counter, padding
            long base = 0xffff888000000000L | ((long) r.nextInt(1 << 16) << 24);
            int id = r.nextInt(1000);
            for (int i = 0; i + 64 <= n; i += 64) {
                page.putLong(i, base + ((long) r.nextInt(1 << 18) << 6));
                page.putLong(i + 8, base + ((long) r.nextInt(1 << 18) << 6));
                page.putInt(i + 16, id++);
                page.putInt(i + 20, r.nextInt(4) << 8);
                page.putLong(i + 24, r.nextInt(1 << 12));
            }
        }
    }

    private static byte[] textCorpus(SplittableRandom r) {
        StringBuilder sb = new StringBuilder(CORPUS_BYTES + 64);
        int line = 0;
        while (sb.length() < CORPUS_BYTES) {
            String w = WORDS[(int) (Math.pow(r.nextDouble(), 2) * WORDS.length)];
            sb.append(w);
            line += w.length() + 1;
            if (line > 60 + r.nextInt(20)) {
                sb.append(r.nextInt(8) == 0 ? ".\n" : "\n");
                line = 0;
            } else {
                sb.append(r.nextInt(12) == 0 ? ", " : " ");
            }
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[CORPUS_BYTES];
        System.arraycopy(b, 0, out, 0, CORPUS_BYTES);
        return out;
    }

    private static byte[] codeCorpus(SplittableRandom r) {
        byte[] out = new byte[CORPUS_BYTES];
        int at = 0;
        while (at < CORPUS_BYTES - 16) {
            int op = r.nextInt(16);
            int reg = r.nextInt(8);
            byte[] ins = switch (op) {
                case 0 -> new byte[]{0x48, (byte) 0x89, (byte) (0xc0 | reg << 3 | r.nextInt(8))};   // mov r64, r64
                case 1 -> new byte[]{0x48, (byte) 0x8b, (byte) (0x45 | reg << 3), (byte) -(8 * (1 + r.nextInt(16)))};
                case 2 -> rel32((byte) 0xe8, r);                                                      // call
                case 3 -> new byte[]{0x0f, 0x1f, 0x44, 0x00, 0x00};                                   // nop
                case 4 -> new byte[]{0x55, 0x48, (byte) 0x89, (byte) 0xe5};                            // push rbp; mov
                case 5 -> new byte[]{0x5d, (byte) 0xc3};                                                // pop; ret
                case 6 -> new byte[]{0x48, (byte) 0x83, (byte) 0xec, (byte) (8 * (1 + r.nextInt(8)))};  // sub rsp
                case 7 -> new byte[]{(byte) (0x74 + r.nextInt(2)), (byte) r.nextInt(128)};               // je/jne
                case 8 -> new byte[]{0x31, (byte) 0xc0};                                                // xor eax
                case 9 -> leaRip(r);                                                                    // lea rip
                case 10 -> new byte[]{(byte) 0xc7, 0x45, (byte) 0xf8, (byte) r.nextInt(16), 0, 0, 0};  // mov imm
                case 11 -> new byte[]{(byte) 0x85, (byte) (0xc0 | reg)};                                // test
                case 12 -> new byte[]{0x41, (byte) (0x54 + r.nextInt(4))};                              // push r12..
                case 13 -> new byte[]{(byte) 0x83, (byte) (0xf8 | reg & 7), (byte) r.nextInt(32)};     // cmp imm8
                case 14 -> new byte[]{0x48, (byte) 0x8b, 0x05, (byte) r.nextInt(256), (byte) r.nextInt(256), 0, 0};
                default -> new byte[]{(byte) 0xcc};                                                     // int3 pad
            };
            System.arraycopy(ins, 0, out, at, ins.length);
            at += ins.length;
        }
        return out;
    }

    private static byte[] rel32(byte opcode, SplittableRandom r) {
        int rel = r.nextInt(1 << 16) - (1 << 15);
        return new byte[]{opcode, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)};
    }

    private static byte[] leaRip(SplittableRandom r) {
        int rel = r.nextInt(1 << 20);
        return new byte[]{0x48, (byte) 0x8d, 0x05, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), 0};
    }
}
