package io.multifd.method.qpl;

import io.multifd.api.ChannelContext;
import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * QEMU 10.0's qpl method (wire-format notes §4.4) for one transfer.
 *
 * <h2>Payload</h2>
 * {@code [len[0..n-1]: BE u32 each][page 0 data][page 1 data]...} for the {@code n} normal pages
 * of a packet, {@code next_packet_size = 4n + Σ len}. {@code len[i] == pageSize} means the page is
 * raw; {@code len[i] < pageSize} means one raw deflate stream (RFC 1951, no wrapper) that inflates
 * to exactly one page. Pages are independent: nothing carries over between pages or packets.
 *
 * <h2>Engines</h2>
 * The sender compresses with the engine of the {@code path} parameter ({@link QplPath}): libqpl's
 * hardware or software path, or the pure-Java {@link JavaPageEncoder}. The receiver inflates with
 * libqpl when it is loaded and the path is not {@code java}, else with {@link java.util.zip.Inflater};
 * both accept the output of every engine. Before it reads any page data the receiver checks each
 * {@code len[i]} (1 to pageSize) and that {@code 4n + Σ len} equals {@code next_packet_size}, so a
 * malformed table ends in a {@link MultifdException}, never in an assert or a crash (P-QPL-1).
 *
 * <p>Per-channel state (jobs, the payload buffer, counters) lives in the state slot; native
 * memory is freed by the cleanup hooks.
 */
final class QplMethod implements MultifdMethod {

    private final QplPath path;
    private final QplLibrary.Load library;

    /**
     * @param path    the {@code path} parameter
     * @param library the libqpl lookup's outcome
     */
    QplMethod(QplPath path, QplLibrary.Load library) {
        this.path = path;
        this.library = library;
    }

    /** @return whether the sender uses a hardware job when it initialises */
    private boolean wantsHardware() {
        return path == QplPath.HARDWARE || (path == QplPath.AUTO && library.hardwareWorks());
    }

    /** @return whether the receiver inflates with libqpl */
    private boolean decodesWithLibqpl() {
        return path != QplPath.JAVA && library.loaded();
    }

    @Override
    public String engine() {
        if (path == QplPath.JAVA) {
            return "java.util.zip Deflater (level 1, raw deflate); path=java";
        }
        if (!library.loaded()) {
            return "none: libqpl is not loaded, path=" + path.word() + " cannot encode"
                    + " (decoding uses java.util.zip Inflater)";
        }
        String hw = library.hardwareWorks() ? "available" : QplJobLayout.describe(library.hardwareStatus());
        return switch (path) {
            case HARDWARE -> library.describe() + " hardware path (IAA" + (library.hardwareWorks() ? ")"
                    : " not available here: " + hw + ")") + "; path=hardware";
            case SOFTWARE -> library.describe() + " software path; path=software";
            default -> library.hardwareWorks()
                    ? library.describe() + " hardware path (IAA), software path when queues stay busy; path=auto"
                    : library.describe() + " software path; path=auto (hardware path: " + hw + ")";
        };
    }

    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        return normalPages == 0 ? 0 : normalPages * (Integer.BYTES + pageSize);
    }

    // ---- send ------------------------------------------------------------------------------------

    /** The state of one sending channel. */
    private static final class SendState {
        final QplCounters counters = new QplCounters();
        NativeBuffer payload;
        PageEncoder encoder;

        void close() {
            try {
                if (encoder != null) {
                    encoder.close();
                }
            } finally {
                encoder = null;
                if (payload != null) {
                    payload.close();
                }
                payload = null;
            }
        }
    }

    @Override
    public void sendSetup(SendChannel channel) throws MultifdException {
        channel.setIovSlots(1);
        SendState state = new SendState();
        channel.setState(state);
        int pageSize = channel.pageSize();
        state.payload = new NativeBuffer(maxPayloadSize(channel.packetCapacity(), pageSize));
        if (path == QplPath.JAVA) {
            state.encoder = new JavaPageEncoder(pageSize);
            return;
        }
        if (!library.loaded()) {
            throw channel.failure("path", "path=" + path.word() + " needs libqpl to encode: " + library.reason());
        }
        QplJob hardware = null;
        if (wantsHardware()) {
            try {
                hardware = QplJob.create(QplJobLayout.PATH_HARDWARE);
            } catch (QplStatusException e) {
                if (path == QplPath.HARDWARE) {
                    throw channel.failure("path", "path=hardware needs an Intel IAA device that libqpl can use, but "
                            + e.getMessage() + "; use path=software or path=auto", e);
                }
            }
        }
        try {
            state.encoder = new LibqplPageEncoder(pageSize, hardware, QplJob.create(QplJobLayout.PATH_SOFTWARE));
        } catch (QplStatusException e) {
            if (hardware != null) {
                hardware.close();
            }
            throw channel.failure("path", "libqpl's software path does not initialise: " + e.getMessage(), e);
        }
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        SendState state = channel.state(SendState.class);
        PageBatch batch = channel.batch();
        int n = batch.normalCount();
        int pageSize = channel.pageSize();
        if (n > 0) {
            NativeBuffer payload = state.payload;
            ByteBuffer table = payload.view();
            int pos = Integer.BYTES * n;
            for (int i = 0; i < n; i++) {
                ByteBuffer page = batch.normalPage(i);
                int len = state.encoder.encode(page, payload, pos, state.counters);
                if (len == PageEncoder.RAW) {
                    ByteBuffer src = page.duplicate();
                    src.limit(src.position() + pageSize);
                    payload.slice(pos, pageSize).put(src);
                    len = pageSize;
                    state.counters.rawPages++;
                }
                table.putInt(Integer.BYTES * i, len);
                pos += len;
            }
            channel.addPayload(payload.slice(0, pos));
            channel.setNextPacketSize(pos);
        } else {
            channel.setNextPacketSize(0);
        }
        channel.setCompression(MethodFlag.QPL);
        channel.fillPacket();
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        if (channel.state() instanceof SendState state) {
            state.close();
        }
        channel.setState(null);
    }

    // ---- receive ---------------------------------------------------------------------------------

    /** The state of one receiving channel. */
    private static final class RecvState {
        final QplCounters counters = new QplCounters();
        NativeBuffer input;
        PageDecoder decoder;
        int[] lengths;

        void close() {
            try {
                if (decoder != null) {
                    decoder.close();
                }
            } finally {
                decoder = null;
                if (input != null) {
                    input.close();
                }
                input = null;
            }
        }
    }

    @Override
    public void recvSetup(RecvChannel channel) throws MultifdException {
        RecvState state = new RecvState();
        channel.setState(state);
        int pageSize = channel.pageSize();
        state.lengths = new int[channel.packetCapacity()];
        state.input = new NativeBuffer(maxPayloadSize(channel.packetCapacity(), pageSize));
        state.decoder = decodesWithLibqpl() ? libqplDecoder(pageSize) : new JavaPageDecoder(pageSize);
    }

    private PageDecoder libqplDecoder(int pageSize) {
        QplJob hardware = null;
        if (wantsHardware() && library.hardwareWorks()) {
            try {
                hardware = QplJob.create(QplJobLayout.PATH_HARDWARE);
            } catch (QplStatusException e) {
                hardware = null; // the software job decodes everything
            }
        }
        try {
            return new LibqplPageDecoder(pageSize, hardware, QplJob.create(QplJobLayout.PATH_SOFTWARE));
        } catch (QplStatusException e) {
            if (hardware != null) {
                hardware.close();
            }
            return new JavaPageDecoder(pageSize); // decodes the same streams
        }
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        RecvState state = channel.state(RecvState.class);
        int n = channel.normalCount();
        int pageSize = channel.pageSize();
        int size = channel.nextPacketSize();
        NativeBuffer in = state.input;
        long tableBytes = (long) Integer.BYTES * n;
        if (size < tableBytes) {
            throw channel.failure("next_packet_size", "is " + size + ", too small for the length table of " + n
                    + " normal pages (" + tableBytes + " bytes)");
        }
        if (size > in.capacity() || n > state.lengths.length) {
            throw channel.failure("next_packet_size", "is " + size + " for " + n + " normal pages, more than the "
                    + in.capacity() + " bytes a qpl packet of " + state.lengths.length + " pages can have");
        }
        channel.readPayload(in.slice(0, (int) tableBytes));
        ByteBuffer view = in.view();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long len = Integer.toUnsignedLong(view.getInt(Integer.BYTES * i));
            if (len > pageSize) {
                throw channel.failure("len[" + i + "]", "is " + len + ", more than the page size " + pageSize);
            }
            if (len == 0) {
                throw channel.failure("len[" + i + "]", "is 0; a page has 1 to " + pageSize + " bytes of data");
            }
            state.lengths[i] = (int) len;
            sum += len;
        }
        if (tableBytes + sum != size) {
            throw channel.failure("next_packet_size", "is " + size + ", but the length table of " + n
                    + " pages says " + tableBytes + " + " + sum + " = " + (tableBytes + sum) + " bytes");
        }
        channel.readPayload(in.slice((int) tableBytes, (int) sum));
        int pos = (int) tableBytes;
        for (int i = 0; i < n; i++) {
            int len = state.lengths[i];
            ByteBuffer page = channel.pageBuffer(i);
            if (len == pageSize) {
                page.duplicate().put(in.slice(pos, pageSize)); // the page spans position..limit (rule 2.9)
                state.counters.rawPages++;
            } else {
                state.decoder.decode(channel, i, in, pos, len, page, state.counters);
            }
            pos += len;
        }
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        if (channel.state() instanceof RecvState state) {
            state.close();
        }
        channel.setState(null);
    }

    @Override
    public Map<String, Long> counters(ChannelContext channel) {
        Object state = channel.state();
        if (state instanceof SendState s) {
            return s.counters.snapshot();
        }
        if (state instanceof RecvState r) {
            return r.counters.snapshot();
        }
        return Map.of();
    }
}
