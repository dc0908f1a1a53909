package io.multifd.tck;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What the process holds at one moment, after garbage collection: direct buffers, heap in use,
 * threads, memory the JVM committed, and resident memory ({@code VmRSS} of
 * {@code /proc/self/status}, where there is one).
 *
 * @param directCount     live direct buffers
 * @param directBytes     their bytes
 * @param heapUsed        heap in use after collection
 * @param jvmCommitted    heap and non-heap memory the JVM committed
 * @param threads         live threads
 * @param residentBytes   resident memory of the process, if known
 */
record ResourceSnapshot(long directCount, long directBytes, long heapUsed, long jvmCommitted, int threads,
                        OptionalLong residentBytes) {

    /**
     * Collects garbage until the direct buffer count settles, then measures.
     *
     * @return the snapshot
     * @throws InterruptedException when interrupted while waiting for collection
     */
    static ResourceSnapshot take() throws InterruptedException {
        long previous = -1;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(20);
            long now = direct().getCount();
            if (now == previous) {
                break;
            }
            previous = now;
        }
        OptionalLong resident = settledResident();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        BufferPoolMXBean direct = direct();
        return new ResourceSnapshot(direct.getCount(), direct.getMemoryUsed(), memory.getHeapMemoryUsage().getUsed(),
                memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted(),
                ManagementFactory.getThreadMXBean().getThreadCount(), resident);
    }

    /**
     * Resident memory once it stops falling: the JVM gives heap pages back to the system some
     * time after a collection (G1 uncommits concurrently), so read until two readings agree.
     */
    private static OptionalLong settledResident() throws InterruptedException {
        OptionalLong last = resident();
        for (int i = 0; i < 40 && last.isPresent(); i++) {
            Thread.sleep(100);
            OptionalLong now = resident();
            if (now.isEmpty()) {
                return now;
            }
            boolean settled = Math.abs(now.getAsLong() - last.getAsLong()) < (1L << 20);
            last = now;
            if (settled && i >= 2) {
                break;
            }
        }
        return last;
    }

    private static BufferPoolMXBean direct() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no direct buffer pool bean"));
    }

    private static OptionalLong resident() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return OptionalLong.of(Long.parseLong(kb) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * Resident memory grown outside what the JVM committed and the direct buffers.
     *
     * @param before the earlier snapshot
     * @return the growth, if resident memory is known
     */
    OptionalLong nativeGrowthSince(ResourceSnapshot before) {
        if (residentBytes.isEmpty() || before.residentBytes.isEmpty()) {
            return OptionalLong.empty();
        }
        long rss = residentBytes.getAsLong() - before.residentBytes.getAsLong();
        long jvm = Math.max(0, jvmCommitted - before.jvmCommitted);
        long buffers = Math.max(0, directBytes - before.directBytes);
        return OptionalLong.of(rss - jvm - buffers);
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
