package io.multifd.core.engine;

import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Images, mutations and leak checks shared by the engine tests. */
final class Fixtures {

    private Fixtures() {
    }

    /** An image with a mix of zero, random and repeated pages. */
    static MemoryImage image(int pageSize, long seed, List<BlockSpec> specs) {
        MemoryImage img = MemoryImage.allocate(pageSize, specs);
        SplittableRandom r = new SplittableRandom(seed);
        for (Block b : img.blocks()) {
            for (long p = 0; p < b.pages(); p++) {
                fill(b.page(p * pageSize), r, r.nextInt(3));
            }
        }
        return img;
    }

    /** kind 0: zero, 1: random, 2: a repeated 8-byte value. */
    static void fill(ByteBuffer page, SplittableRandom r, int kind) {
        int n = page.capacity();
        if (kind == 0) {
            for (int i = 0; i < n; i += 8) {
                page.putLong(i, 0);
            }
        } else if (kind == 1) {
            for (int i = 0; i < n; i += 8) {
                page.putLong(i, r.nextLong());
            }
        } else {
            long v = r.nextLong() | 1;
            for (int i = 0; i < n; i += 8) {
                page.putLong(i, v);
            }
        }
    }

    /**
     * Changes a random fraction of the pages of every block (to new zero, random or repeated
     * contents) and returns them as dirty pages.
     */
    static Map<String, BitSet> mutate(MemoryImage img, long seed, double fraction) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, BitSet> dirty = new LinkedHashMap<>();
        for (Block b : img.blocks()) {
            BitSet set = new BitSet();
            for (int p = 0; p < b.pages(); p++) {
                if (r.nextDouble() < fraction) {
                    set.set(p);
                    fill(b.page((long) p * img.pageSize()), r, r.nextInt(3));
                }
            }
            dirty.put(b.name(), set);
        }
        return dirty;
    }

    static void assertSameContent(MemoryImage expected, MemoryImage actual) {
        assertThat(actual.specs()).isEqualTo(expected.specs());
        for (Block e : expected.blocks()) {
            Block a = actual.block(e.name()).orElseThrow();
            for (long p = 0; p < e.pages(); p++) {
                long off = p * expected.pageSize();
                if (e.readPage(off).mismatch(a.readPage(off)) != -1) {
                    fail("RAMBlock %s page %d (offset 0x%X) differs", e.name(), p, off);
                }
            }
        }
    }

    /**
     * Open TCP sockets of this process (Linux), or -1 when unknown. Only TCP: the engine opens
     * nothing else, while the JVM and the C library may hold a unix socket of their own (seen in
     * CI: one unnamed unix socket opened during a test).
     *
     * @return the count
     */
    static int openSockets() {
        java.io.File[] fds = new java.io.File("/proc/self/fd").listFiles();
        if (fds == null) {
            return -1;
        }
        java.util.Set<String> tcp = new java.util.HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9) {
                        tcp.add(f[9]);
                    }
                }
            } catch (java.io.IOException e) {
                return -1;
            }
        }
        int n = 0;
        for (java.io.File f : fds) {
            try {
                String link = java.nio.file.Files.readSymbolicLink(f.toPath()).toString();
                if (link.startsWith("socket:[") && tcp.contains(link.substring(8, link.length() - 1))) {
                    n++;
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                // closed meanwhile
            }
        }
        return n;
    }

    /** Each open socket of this process as "inode local remote state" from /proc/net, for failure messages. */
    static String describeSockets() {
        java.util.Map<String, String> byInode = new java.util.HashMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6", "/proc/net/unix")) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (table.endsWith("unix") && f.length > 6) {
                        byInode.put(f[6], "unix " + (f.length > 7 ? f[7] : ""));
                    } else if (f.length > 9) {
                        byInode.put(f[9], table.substring(10) + " " + f[1] + " -> " + f[2] + " st " + f[3]);
                    }
                }
            } catch (java.io.IOException e) {
                // table not readable here
            }
        }
        List<String> out = new ArrayList<>();
        java.io.File[] fds = new java.io.File("/proc/self/fd").listFiles();
        if (fds != null) {
            for (java.io.File f : fds) {
                try {
                    String link = java.nio.file.Files.readSymbolicLink(f.toPath()).toString();
                    if (link.startsWith("socket:[")) {
                        String inode = link.substring(8, link.length() - 1);
                        out.add("fd " + f.getName() + " " + byInode.getOrDefault(inode, "inode " + inode));
                    }
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    // closed meanwhile
                }
            }
        }
        return out.toString();
    }

    /** Waits up to 15 s (a loaded 2-core machine closes late) for the open sockets to drop back to {@code baseline}, then asserts it. */
    static void assertNoSocketsLeftAbove(int baseline) throws InterruptedException {
        if (baseline < 0) {
            return;
        }
        long deadline = System.nanoTime() + 15_000_000_000L;
        int now;
        do {
            now = openSockets();
            if (now <= baseline) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(now).as("open sockets (baseline %d), now: %s", baseline, describeSockets())
                .isLessThanOrEqualTo(baseline);
    }

    /** Waits up to 5 s for every engine thread to end, then asserts none is left. */
    static void assertNoEngineThreads() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> left;
        do {
            left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("multifd-")).toList();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("engine threads still running").isEmpty();
    }
}
