package io.multifd.tck.broken;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A deflate stream per method instance instead of per channel (rule 1.1 broken): every channel
 * feeds the same Deflater and reads the same Inflater. Correct on one channel; otherwise a careful
 * decoder (it checks what it inflates and that the payload is used up).
 */
final class SharedStreamMethod implements MultifdMethod {

    private final MethodFlag flag;
    private final Deflater deflater = new Deflater(1, true);
    private final Inflater inflater = new Inflater(true);

    SharedStreamMethod(MethodFlag flag) {
        this.flag = flag;
    }

    @Override
    public void sendSetup(SendChannel channel) {
        channel.setIovSlots(1);
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        channel.setState(null);
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        PageBatch batch = channel.batch();
        int n = batch.normalCount();
        int size = 0;
        if (n > 0) {
            byte[] out = new byte[maxPayloadSize(n, channel.pageSize())];
            byte[] page = new byte[channel.pageSize()];
            synchronized (deflater) {
                for (int i = 0; i < n; i++) {
                    batch.normalPage(i).get(page);
                    deflater.setInput(page);
                    int flush = i == n - 1 ? Deflater.SYNC_FLUSH : Deflater.NO_FLUSH;
                    do {
                        size += deflater.deflate(out, size, out.length - size, flush);
                    } while (!deflater.needsInput() || (flush == Deflater.SYNC_FLUSH && size == out.length));
                }
            }
            channel.addPayload(ByteBuffer.wrap(out, 0, size));
        }
        channel.setNextPacketSize(size);
        channel.setCompression(flag);
        channel.fillPacket();
    }

    @Override
    public void recvSetup(RecvChannel channel) {
        // the shared inflater is the bug
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        channel.setState(null);
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        int size = channel.nextPacketSize();
        byte[] in = new byte[size];
        channel.readPayload(ByteBuffer.wrap(in));
        synchronized (inflater) {
            inflater.setInput(in);
            try {
                for (int i = 0; i < channel.normalCount(); i++) {
                    ByteBuffer dst = channel.pageBuffer(i).duplicate();
                    while (dst.hasRemaining()) {
                        int got = inflater.inflate(dst);
                        if (got == 0 && (inflater.needsInput() || inflater.finished() || inflater.needsDictionary())) {
                            throw channel.failure("payload", "page " + i + " inflates to only " + dst.position()
                                    + " bytes");
                        }
                    }
                }
                byte[] scratch = new byte[64];
                while (inflater.getRemaining() > 0) {
                    int before = inflater.getRemaining();
                    if (inflater.inflate(scratch) > 0) {
                        throw channel.failure("payload", "inflates to more than its pages");
                    }
                    if (inflater.getRemaining() == before) {
                        throw channel.failure("payload", before + " bytes left over");
                    }
                }
            } catch (DataFormatException e) {
                throw channel.failure("payload", "inflate failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        long n = (long) normalPages * pageSize;
        return normalPages == 0 ? 0 : (int) (n + (n >> 12) + (n >> 14) + 64 + ((n + 7) >> 3));
    }
}
