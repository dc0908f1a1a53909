package io.multifd.tck;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A generated transfer of the conformance checks: a page size, the method's parameter values, and for each channel its
 * packets, each a list of pages.
 *
 * @param pageSize the page size
 * @param settings the method's parameter values (may be empty: defaults)
 * @param channels per channel, its packets in order; per packet, its pages in order
 * @since 0.1
 */
public record TransferPlan(int pageSize, Map<String, String> settings, List<List<List<PageSpec>>> channels) {

    /**
     * Copies the lists.
     *
     * @param pageSize the page size
     * @param settings the parameter values
     * @param channels the packets of each channel
     */
    public TransferPlan {
        settings = Map.copyOf(settings);
        channels = channels.stream().map(c -> c.stream().map(List::copyOf).toList()).toList();
    }

    /** @return the number of pages of all packets of all channels */
    int totalPages() {
        return channels.stream().flatMap(List::stream).mapToInt(List::size).sum();
    }

    /** @return the largest number of packets of one channel */
    int maxPackets() {
        return channels.stream().mapToInt(List::size).max().orElse(0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(pageSize).append("-byte pages, settings ").append(settings.isEmpty() ? "{defaults}" : settings);
        for (int c = 0; c < channels.size(); c++) {
            sb.append("; channel ").append(c).append(": ");
            List<List<PageSpec>> packets = channels.get(c);
            sb.append(packets.stream().map(TransferPlan::describe).collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    private static String describe(List<PageSpec> packet) {
        if (packet.size() <= 6) {
            return packet.toString();
        }
        Map<PageKind, Long> kinds = packet.stream().collect(Collectors.groupingBy(PageSpec::kind,
                () -> new java.util.EnumMap<>(PageKind.class), Collectors.counting()));
        return "[" + packet.size() + " pages " + kinds + ", first " + packet.get(0) + "]";
    }
}
