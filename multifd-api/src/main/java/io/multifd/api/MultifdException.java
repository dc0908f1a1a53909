package io.multifd.api;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The one exception of the project: malformed input, a broken method, a refused negotiation, a
 * failed channel. Its message is a sentence that names, where known, the method, the channel, the
 * packet number and the field at fault, for example
 * {@code "method zlib, channel 1, packet 17, field next_packet_size: 9999999 exceeds ..."}.
 *
 * <p>Build one inside a hook with {@link ChannelContext#failure(String, String)}, which fills in
 * the channel and packet.
 *
 * @since 0.1
 */
public class MultifdException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Unknown channel. */
    public static final int NO_CHANNEL = -1;
    /** Unknown packet. */
    public static final long NO_PACKET = -1;

    private final String method;
    private final int channel;
    private final long packet;
    private final String field;
    private final String detail;

    /**
     * A failure with no channel or packet context.
     *
     * @param detail what went wrong, as a sentence
     */
    public MultifdException(String detail) {
        this(null, NO_CHANNEL, NO_PACKET, null, detail, null);
    }

    /**
     * A failure with no channel or packet context.
     *
     * @param detail what went wrong, as a sentence
     * @param cause  the underlying failure
     */
    public MultifdException(String detail, Throwable cause) {
        this(null, NO_CHANNEL, NO_PACKET, null, detail, cause);
    }

    /**
     * A failure with its full context.
     *
     * @param method  the method's name, or null
     * @param channel the channel id, or {@link #NO_CHANNEL}
     * @param packet  the packet number ({@code packet_num}), or {@link #NO_PACKET}
     * @param field   the field at fault (e.g. {@code "next_packet_size"}), or null
     * @param detail  what went wrong, as a sentence
     * @param cause   the underlying failure, or null
     */
    public MultifdException(String method, int channel, long packet, String field, String detail, Throwable cause) {
        super(compose(method, channel, packet, field, detail), cause);
        this.method = method;
        this.channel = channel;
        this.packet = packet;
        this.field = field;
        this.detail = detail;
    }

    private static String compose(String method, int channel, long packet, String field, String detail) {
        StringBuilder sb = new StringBuilder();
        if (method != null) {
            sb.append("method ").append(method);
        }
        if (channel != NO_CHANNEL) {
            sb.append(sb.length() > 0 ? ", " : "").append("channel ").append(channel);
        }
        if (packet != NO_PACKET) {
            sb.append(sb.length() > 0 ? ", " : "").append("packet ").append(packet);
        }
        if (field != null) {
            sb.append(sb.length() > 0 ? ", " : "").append("field ").append(field);
        }
        return sb.length() == 0 ? String.valueOf(detail) : sb.append(": ").append(detail).toString();
    }

    /**
     * The same failure with more context; fields already known are kept.
     *
     * @param method  the method's name, or null to keep
     * @param channel the channel, or {@link #NO_CHANNEL} to keep
     * @param packet  the packet, or {@link #NO_PACKET} to keep
     * @return a new exception with this one's detail, field, cause and stack
     */
    public MultifdException withContext(String method, int channel, long packet) {
        MultifdException e = new MultifdException(
                this.method != null ? this.method : method,
                this.channel != NO_CHANNEL ? this.channel : channel,
                this.packet != NO_PACKET ? this.packet : packet,
                field, detail, getCause());
        e.setStackTrace(getStackTrace());
        for (Throwable s : getSuppressed()) {
            e.addSuppressed(s);
        }
        return e;
    }

    /** @return the method's name, when known */
    public Optional<String> method() {
        return Optional.ofNullable(method);
    }

    /** @return the channel id, when known */
    public OptionalInt channel() {
        return channel == NO_CHANNEL ? OptionalInt.empty() : OptionalInt.of(channel);
    }

    /** @return the packet number, when known */
    public OptionalLong packet() {
        return packet == NO_PACKET ? OptionalLong.empty() : OptionalLong.of(packet);
    }

    /** @return the field at fault, when known */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** @return the message without its context prefix */
    public String detail() {
        return detail;
    }
}
