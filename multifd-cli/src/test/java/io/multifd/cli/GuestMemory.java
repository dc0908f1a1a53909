package io.multifd.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic guest RAM content for a stopped source VM, made by the test (the idea of the
 * vectors' {@code mkblob.py}, in Java): runs of zero pages between runs of text, random, pattern,
 * sparse, half-random and duplicate pages; the first and last page are never zero. The pc.ram
 * offsets 0xC0000-0xFFFFF stay zero: on q35 at reset that window shows pc.rom and the BIOS, so
 * the generic loader cannot reach pc.ram there. The image is loaded in two pieces with
 * {@code -device loader,file=...,addr=...,force-raw=on}.
 */
final class GuestMemory {

    static final int PAGE = 4096;
    static final int HOLE_START = 0xC0000;
    static final int HOLE_END = 0x100000;

    private static final String[] WORDS = ("the of and to in is was that for it as with be on not he by this are or "
            + "his from at which but have an they you were her all she there would their we him been has when who "
            + "will more no if out so said what up its about into than them can only other new some could time "
            + "these two may then do first any my now such like our over man me even most made after also did many "
            + "before must through back years where much your way well down should because each just those people "
            + "migration memory page channel packet compression destination source block offset sync barrier "
            + "qemu multifd zlib zstd kernel guest virtual machine device state stream header").split(" ");

    private GuestMemory() {
    }

    /**
     * Builds the expected pc.ram image.
     *
     * @param seed the seed
     * @param mib  the RAM size in MiB
     * @return the image
     */
    static byte[] generate(long seed, int mib) {
        SplittableRandom rng = new SplittableRandom(seed);
        int pages = mib * 256;
        byte[] image = new byte[pages * PAGE];
        List<Integer> nonZero = new ArrayList<>();
        double meanRun = 12;
        double meanZero = meanRun * (1 - 0.15) / 0.15;
        String[] kinds = {"text", "random", "pattern", "sparse", "half", "dup"};
        int i = 0;
        int kindIndex = 0;
        while (i < pages) {
            i += (int) (-Math.log(1 - rng.nextDouble()) * meanZero);
            String kind = kindIndex < kinds.length ? kinds[kindIndex++] : kinds[rng.nextInt(kinds.length)];
            int run = 1 + rng.nextInt(24);
            for (int k = 0; k < run && i < pages; k++, i++) {
                long off = (long) i * PAGE;
                if (off >= HOLE_START && off < HOLE_END) {
                    continue;
                }
                ByteBuffer p = ByteBuffer.wrap(image, (int) off, PAGE).slice().order(ByteOrder.LITTLE_ENDIAN);
                switch (kind) {
                    case "text" -> text(rng, p);
                    case "random" -> random(rng, p, PAGE);
                    case "pattern" -> pattern(rng, p, off);
                    case "sparse" -> {
                        int n = 1 + rng.nextInt(8);
                        for (int b = 0; b < n; b++) {
                            p.put(rng.nextInt(PAGE), (byte) (1 + rng.nextInt(255)));
                        }
                    }
                    case "half" -> random(rng, p, PAGE / 2);
                    case "dup" -> {
                        if (nonZero.isEmpty()) {
                            random(rng, p, PAGE);
                        } else {
                            int src = nonZero.get(rng.nextInt(nonZero.size()));
                            System.arraycopy(image, src * PAGE, image, (int) off, PAGE);
                        }
                    }
                    default -> throw new IllegalStateException(kind);
                }
                nonZero.add(i);
            }
        }
        for (int edge : new int[] {0, pages - 1}) {
            ByteBuffer p = ByteBuffer.wrap(image, edge * PAGE, PAGE).slice().order(ByteOrder.LITTLE_ENDIAN);
            for (int w = 0; w < PAGE; w += 16) {
                p.putLong(w, (long) edge * PAGE).putLong(w + 8, 0x454447454D41524BL);
            }
        }
        return image;
    }

    private static void text(SplittableRandom rng, ByteBuffer p) {
        StringBuilder sb = new StringBuilder(PAGE + 32);
        int sentence = 0;
        while (sb.length() < PAGE) {
            String w = WORDS[rng.nextInt(WORDS.length)];
            sb.append(sentence == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
            sentence++;
            if (sentence > 6 + rng.nextInt(12)) {
                sb.append(rng.nextInt(5) == 0 ? ".\n" : ". ");
                sentence = 0;
            } else {
                sb.append(' ');
            }
        }
        for (int k = 0; k < PAGE; k++) {
            p.put(k, (byte) sb.charAt(k));
        }
    }

    private static void random(SplittableRandom rng, ByteBuffer p, int bytes) {
        for (int k = 0; k < bytes; k += 8) {
            p.putLong(k, rng.nextLong());
        }
    }

    private static void pattern(SplittableRandom rng, ByteBuffer p, long off) {
        switch (rng.nextInt(4)) {
            case 0 -> {
                byte b = (byte) (1 + rng.nextInt(255));
                for (int k = 0; k < PAGE; k++) {
                    p.put(k, b);
                }
            }
            case 1 -> {
                long w = rng.nextLong() | 1;
                for (int k = 0; k < PAGE; k += 8) {
                    p.putLong(k, w);
                }
            }
            case 2 -> {
                int start = rng.nextInt();
                for (int k = 0; k < PAGE; k += 4) {
                    p.putInt(k, start + k / 4);
                }
            }
            default -> {
                for (int k = 0; k < PAGE; k += 16) {
                    p.putLong(k, off).putLong(k + 8, 0x5041474553544D50L);
                }
            }
        }
    }

    /**
     * Writes the two loader pieces.
     *
     * @param image the image
     * @param dir   the folder
     * @return the loader arguments: {@code -device loader,...} twice
     * @throws IOException when a file cannot be written
     */
    static List<String> writePieces(byte[] image, Path dir) throws IOException {
        Path low = dir.resolve("piece-low.bin");
        Path high = dir.resolve("piece-high.bin");
        Files.write(low, java.util.Arrays.copyOfRange(image, 0, HOLE_START));
        Files.write(high, java.util.Arrays.copyOfRange(image, HOLE_END, image.length));
        return List.of("-device", "loader,file=" + low + ",addr=0x0,force-raw=on",
                "-device", "loader,file=" + high + ",addr=0x" + Integer.toHexString(HOLE_END) + ",force-raw=on");
    }
}
