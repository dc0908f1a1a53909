package io.multifd.tck.broken;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;

/**
 * A correct method that sends pages raw, like {@code none}, with a private flag: the base the
 * broken methods change in one place each.
 */
class RawPagesMethod implements MultifdMethod {

    private final MethodFlag flag;

    RawPagesMethod(MethodFlag flag) {
        this.flag = flag;
    }

    MethodFlag flag() {
        return flag;
    }

    @Override
    public void sendSetup(SendChannel channel) throws MultifdException {
        channel.setIovSlots(channel.packetCapacity());
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        channel.setState(null);
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        PageBatch batch = channel.batch();
        int n = batch.normalCount();
        for (int i = 0; i < n; i++) {
            channel.addPayload(payloadPage(channel, batch.normalPage(i), i));
        }
        channel.setNextPacketSize(declaredSize(n * channel.pageSize()));
        channel.setCompression(flagToSet());
        channel.fillPacket();
    }

    /** @return the buffer sent for page {@code i} */
    ByteBuffer payloadPage(SendChannel channel, ByteBuffer page, int i) {
        return page;
    }

    /** @return the next_packet_size declared for {@code bytes} payload bytes */
    int declaredSize(int bytes) {
        return bytes;
    }

    /** @return the flag set on each packet */
    MethodFlag flagToSet() {
        return flag;
    }

    @Override
    public void recvSetup(RecvChannel channel) throws MultifdException {
        // nothing to allocate
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        channel.setState(null);
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        int n = channel.normalCount();
        long expected = (long) n * channel.pageSize();
        if (channel.nextPacketSize() != expected) {
            badSize(channel, expected);
        }
        for (int i = 0; i < n; i++) {
            channel.readPayload(channel.pageBuffer(i).duplicate());
        }
    }

    /** Reports a payload of the wrong size. */
    void badSize(RecvChannel channel, long expected) throws MultifdException {
        throw channel.failure("next_packet_size", "is " + channel.nextPacketSize() + ", expected " + expected);
    }

    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        return normalPages * pageSize;
    }
}
