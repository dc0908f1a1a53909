package io.multifd.core.engine;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Statistics of one side of a transfer: per channel and total.
 *
 * @param side         {@code "source"} or {@code "destination"}
 * @param method       the method and its settings, e.g. {@code zstd{level=1}}
 * @param pageSize     the page size
 * @param elapsedNanos wall time from the first byte to the end
 * @param channels     per-channel counters, by id
 * @param passes       the passes sent (source) or flush markers seen (destination), setup sync
 *                     excluded
 * @param peerSummary  the peer's last word (the destination's verdict on the source side), or empty
 * @since 0.1
 */
public record TransferStats(String side, String method, int pageSize, long elapsedNanos,
                            List<ChannelSummary> channels, long passes, String peerSummary) {

    /**
     * Copies.
     *
     * @param side         side
     * @param method       method
     * @param pageSize     page size
     * @param elapsedNanos elapsed time
     * @param channels     channels
     * @param passes       passes
     * @param peerSummary  peer's summary
     */
    public TransferStats {
        channels = List.copyOf(channels);
    }

    /** @return the sum over channels */
    public ChannelSummary total() {
        ChannelSummary t = ChannelSummary.zero();
        for (ChannelSummary c : channels) {
            t = t.plus(c);
        }
        return t;
    }

    /** @return image bytes covered by all pages moved */
    public long imageBytes() {
        return total().imageBytes(pageSize);
    }

    /** @return image bytes per wire byte */
    public double ratio() {
        return total().ratio(pageSize);
    }

    /** @return image bytes per second of wall time */
    public double throughput() {
        return elapsedNanos == 0 ? 0 : imageBytes() * 1e9 / elapsedNanos;
    }

    /** @return wire bytes per second of wall time */
    public double wireThroughput() {
        return elapsedNanos == 0 ? 0 : total().wireBytes() * 1e9 / elapsedNanos;
    }

    /**
     * A table for humans: one line per channel and a total.
     *
     * @return the table
     */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-7s %8s %6s %10s %10s %12s %12s %7s %9s %9s%n", "channel", "packets",
                "syncs", "normal", "zero", "payload", "wire", "ratio", "codec s", "io s"));
        for (ChannelSummary c : channels) {
            row(sb, Integer.toString(c.channel()), c);
        }
        row(sb, "total", total());
        sb.append(String.format(Locale.ROOT, "%s %s: %s of image in %.2f s, %s/s (wire %s/s), ratio %.2f, %d pass%s",
                side, method, bytes(imageBytes()), elapsedNanos / 1e9, bytes((long) throughput()),
                bytes((long) wireThroughput()), ratio(), passes, passes == 1 ? "" : "es"));
        Map<String, Long> counters = total().counters();
        if (!counters.isEmpty()) {
            sb.append(String.format("%nmethod counters: %s", counters));
        }
        return sb.toString();
    }

    private void row(StringBuilder sb, String name, ChannelSummary c) {
        sb.append(String.format(Locale.ROOT, "%-7s %8d %6d %10d %10d %12d %12d %7.2f %9.2f %9.2f%n", name,
                c.packets(), c.syncPackets(), c.normalPages(), c.zeroPages(), c.payloadBytes(), c.wireBytes(),
                c.ratio(pageSize), c.codecNanos() / 1e9, c.ioNanos() / 1e9));
    }

    /**
     * Formats a byte count with a binary unit.
     *
     * @param n bytes
     * @return e.g. {@code "256.0 MiB"}
     */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
