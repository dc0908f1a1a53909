package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packet sequence of one multifd channel, in stream order, as {@code qemu-receive} stores it in
 * {@code DIR/channels/channel-<id>.packets} for a later re-send.
 *
 * <h2>File format (text, UTF-8, one packet per line)</h2>
 * <pre>
 * # multifd-java packet sequence 1
 * channel 0
 * connection 127.0.0.1:40022
 * S 0                                  a SYNC packet and its packet_num
 * D 5 0 3 125 1000 3000 2000 4000 ...  a data packet: packet_num, block index (into the "blocks"
 *                                      list of channels/index.json), normal pages, zero pages, then
 *                                      the byte offsets in hex: the normal pages, then the zero pages
 * end                                  the channel ended cleanly at a packet boundary
 * </pre>
 * A SYNC packet that also carried pages (QEMU before 9.0) is a {@code D} line with an {@code s}
 * after the packet number's letter: {@code Ds}.
 *
 * @since 0.1
 */
public final class ChannelRecording {

    /** First line of the file. */
    public static final String HEADER = "# multifd-java packet sequence 1";

    private final int channel;
    private final String connection;
    private final List<RecordedPacket> packets;
    private final boolean ended;

    /**
     * A recording.
     *
     * @param channel    the channel id of the init packet
     * @param connection the connection's name
     * @param packets    the packets in stream order
     * @param ended      whether the channel ended cleanly at a packet boundary
     */
    public ChannelRecording(int channel, String connection, List<RecordedPacket> packets, boolean ended) {
        this.channel = channel;
        this.connection = connection;
        this.packets = Collections.unmodifiableList(new ArrayList<>(packets));
        this.ended = ended;
    }

    /**
     * The file name of a channel's recording.
     *
     * @param channel the channel id
     * @return {@code channel-<id>.packets}
     */
    public static String fileName(int channel) {
        return "channel-" + channel + ".packets";
    }

    /** @return the channel id */
    public int channel() {
        return channel;
    }

    /** @return the connection's name */
    public String connection() {
        return connection;
    }

    /** @return the packets in stream order */
    public List<RecordedPacket> packets() {
        return packets;
    }

    /** @return whether the channel ended cleanly at a packet boundary */
    public boolean ended() {
        return ended;
    }

    /** @return the number of SYNC packets */
    public long syncPackets() {
        return packets.stream().filter(RecordedPacket::sync).count();
    }

    /**
     * Writes the recording.
     *
     * @param file   the file
     * @param blocks the RAMBlock names, whose positions the lines refer to
     * @throws IOException when the file cannot be written
     * @throws IllegalArgumentException when a packet names a block not in {@code blocks}
     */
    public void write(Path file, List<String> blocks) throws IOException {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            index.put(blocks.get(i), i);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            w.write("channel " + channel + "\n");
            w.write("connection " + connection.replace('\n', ' ') + "\n");
            StringBuilder sb = new StringBuilder();
            for (RecordedPacket p : packets) {
                sb.setLength(0);
                if (p.pages() == 0 && p.sync()) {
                    sb.append("S ").append(Long.toUnsignedString(p.packetNum()));
                } else {
                    Integer b = index.get(p.block());
                    if (b == null) {
                        throw new IllegalArgumentException("packet " + p.packetNum() + " of channel " + channel
                                + " names RAMBlock '" + p.block() + "', which is not in " + blocks);
                    }
                    sb.append(p.sync() ? "Ds " : "D ").append(Long.toUnsignedString(p.packetNum())).append(' ')
                            .append(b).append(' ').append(p.normalPages()).append(' ').append(p.zeroPages());
                    for (long off : p.offsets()) {
                        sb.append(' ').append(Long.toHexString(off));
                    }
                }
                w.write(sb.append('\n').toString());
            }
            if (ended) {
                w.write("end\n");
            }
        }
    }

    /**
     * Reads a recording.
     *
     * @param file   the file
     * @param blocks the RAMBlock names the lines refer to
     * @return the recording
     * @throws MultifdException naming the file and line of anything malformed
     */
    public static ChannelRecording read(Path file, List<String> blocks) throws MultifdException {
        List<RecordedPacket> packets = new ArrayList<>();
        int channel = -1;
        String connection = "";
        boolean ended = false;
        int lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            lineNo++;
            if (!HEADER.equals(line)) {
                throw bad(file, lineNo, "the first line must be '" + HEADER + "'");
            }
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (ended) {
                    throw bad(file, lineNo, "text after 'end'");
                }
                if (line.startsWith("channel ")) {
                    channel = Integer.parseInt(line.substring(8).trim());
                } else if (line.startsWith("connection ")) {
                    connection = line.substring(11);
                } else if (line.equals("end")) {
                    ended = true;
                } else if (line.startsWith("S ")) {
                    packets.add(RecordedPacket.sync(Long.parseUnsignedLong(line.substring(2).trim())));
                } else if (line.startsWith("D ") || line.startsWith("Ds ")) {
                    String[] f = line.trim().split(" +");
                    if (f.length < 5) {
                        throw bad(file, lineNo, "a data line needs packet_num, block, normal and zero counts");
                    }
                    long num = Long.parseUnsignedLong(f[1]);
                    int b = Integer.parseInt(f[2]);
                    int normal = Integer.parseInt(f[3]);
                    int zero = Integer.parseInt(f[4]);
                    if (b < 0 || b >= blocks.size()) {
                        throw bad(file, lineNo, "block index " + b + " outside 0.." + (blocks.size() - 1));
                    }
                    if (normal < 0 || zero < 0 || f.length != 5 + normal + zero) {
                        throw bad(file, lineNo, "the line lists " + (f.length - 5) + " offsets, the counts say "
                                + normal + " + " + zero);
                    }
                    long[] offs = new long[normal + zero];
                    for (int i = 0; i < offs.length; i++) {
                        offs[i] = Long.parseUnsignedLong(f[5 + i], 16);
                    }
                    packets.add(new RecordedPacket(num, f[0].equals("Ds"), blocks.get(b), offs, normal));
                } else {
                    throw bad(file, lineNo, "unknown line '" + (line.length() > 40 ? line.substring(0, 40) + "..." : line)
                            + "'");
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot read the packet sequence " + file + ": " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw bad(file, lineNo, "bad number: " + e.getMessage());
        }
        if (channel < 0) {
            throw bad(file, lineNo, "no 'channel' line");
        }
        return new ChannelRecording(channel, connection, packets, ended);
    }

    private static MultifdException bad(Path file, int line, String detail) {
        return new MultifdException("packet sequence " + file + ", line " + line + ": " + detail);
    }
}
