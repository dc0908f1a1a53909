package io.multifd.tck;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import io.multifd.api.WriteFlag;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A channel view for setup only, in both directions, that fails on purpose at its n-th call: the
 * kit's way to make any method's setup fail part-way, so it can check that cleanup copes with
 * whatever the state slot then holds (rule 1.4). Packet calls are refused: setup must not use them.
 */
final class FaultyChannel implements SendChannel, RecvChannel {

    /** The failure the kit injects. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(int call, String what) {
            super("conformance kit: injected failure of channel call #" + call + " (" + what + ")");
        }
    }

    private final String methodName;
    private final int id;
    private final int pageSize;
    private final MethodSettings settings;
    private int failAt;
    private int calls;
    private Object state;
    private int iovSlots;

    /**
     * @param methodName the method, for messages
     * @param id         the channel id
     * @param pageSize   the page size
     * @param settings   the method's settings
     * @param failAt     the call to fail, counting from 1; 0 for none
     */
    FaultyChannel(String methodName, int id, int pageSize, MethodSettings settings, int failAt) {
        this.methodName = methodName;
        this.id = id;
        this.pageSize = pageSize;
        this.settings = settings;
        this.failAt = failAt;
    }

    /** Stops injecting failures: cleanup sees a channel that works. */
    void disarm() {
        failAt = 0;
    }

    /** @return calls so far */
    int calls() {
        return calls;
    }

    private void tick(String what) {
        calls++;
        if (calls == failAt) {
            throw new InjectedFault(calls, what);
        }
    }

    private static UnsupportedOperationException notInSetup(String call) {
        return new UnsupportedOperationException(call + " is not available in setup or cleanup");
    }

    @Override
    public int id() {
        tick("id()");
        return id;
    }

    @Override
    public int pageSize() {
        tick("pageSize()");
        return pageSize;
    }

    @Override
    public int packetCapacity() {
        tick("packetCapacity()");
        return MultifdApi.packetCapacity(pageSize);
    }

    @Override
    public MethodSettings settings() {
        tick("settings()");
        return settings;
    }

    @Override
    public Object state() {
        tick("state()");
        return state;
    }

    /** @return the slot, without counting a call */
    Object slot() {
        return state;
    }

    @Override
    public void setState(Object state) {
        tick("setState()");
        this.state = state;
    }

    @Override
    public long packetNumber() {
        tick("packetNumber()");
        return MultifdException.NO_PACKET;
    }

    @Override
    public MultifdException failure(String field, String detail) {
        return new MultifdException(methodName, id, MultifdException.NO_PACKET, field, detail, null);
    }

    @Override
    public MultifdException failure(String field, String detail, Throwable cause) {
        return new MultifdException(methodName, id, MultifdException.NO_PACKET, field, detail, cause);
    }

    @Override
    public void setIovSlots(int slots) {
        tick("setIovSlots()");
        iovSlots = slots;
    }

    @Override
    public int iovSlots() {
        tick("iovSlots()");
        return iovSlots;
    }

    @Override
    public void setWriteFlags(Set<WriteFlag> flags) {
        tick("setWriteFlags()");
    }

    @Override
    public PageBatch batch() {
        throw notInSetup("batch()");
    }

    @Override
    public void addPayload(ByteBuffer payload) {
        throw notInSetup("addPayload()");
    }

    @Override
    public void setNextPacketSize(int bytes) {
        throw notInSetup("setNextPacketSize()");
    }

    @Override
    public int nextPacketSize() {
        throw notInSetup("nextPacketSize()");
    }

    @Override
    public void setCompression(MethodFlag flag) {
        throw notInSetup("setCompression()");
    }

    @Override
    public PacketFlags flags() {
        throw notInSetup("flags()");
    }

    @Override
    public void fillPacket() {
        throw notInSetup("fillPacket()");
    }

    @Override
    public String blockName() {
        throw notInSetup("blockName()");
    }

    @Override
    public int normalCount() {
        throw notInSetup("normalCount()");
    }

    @Override
    public long normalOffset(int i) {
        throw notInSetup("normalOffset()");
    }

    @Override
    public int zeroCount() {
        throw notInSetup("zeroCount()");
    }

    @Override
    public long zeroOffset(int i) {
        throw notInSetup("zeroOffset()");
    }

    @Override
    public int payloadRemaining() {
        throw notInSetup("payloadRemaining()");
    }

    @Override
    public void readPayload(ByteBuffer dst) {
        throw notInSetup("readPayload()");
    }

    @Override
    public ByteBuffer pageBuffer(int i) {
        throw notInSetup("pageBuffer()");
    }
}
