package io.multifd.core.qemu.live;

import java.util.List;

/**
 * What {@link QemuSender} streamed.
 *
 * @param connections        per connection: its file and the bytes sent, main channel first
 * @param destinationClosed  whether the destination closed the main connection within the wait
 * @param elapsedNanos       wall time from the first connect to the last byte
 * @since 0.1
 */
public record SendResult(List<Sent> connections, boolean destinationClosed, long elapsedNanos) {

    /**
     * One connection.
     *
     * @param file  the file streamed
     * @param main  whether it is the main channel
     * @param bytes bytes sent
     */
    public record Sent(String file, boolean main, long bytes) {
    }

    /**
     * Copies the list.
     *
     * @param connections       connections
     * @param destinationClosed destination closed
     * @param elapsedNanos      wall time
     */
    public SendResult {
        connections = List.copyOf(connections);
    }

    /** @return bytes sent on all connections */
    public long bytes() {
        return connections.stream().mapToLong(Sent::bytes).sum();
    }
}
