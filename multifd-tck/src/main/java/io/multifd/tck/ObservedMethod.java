package io.multifd.tck;

import io.multifd.api.ChannelContext;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The method under test, seen through a window: the kit hands this to the core's channel layer,
 * counts hook calls and keeps the first exception a hook threw that is not a
 * {@link MultifdException} (rule 1.3), before the core wraps it.
 */
final class ObservedMethod implements MultifdMethod {

    private final MultifdMethod method;
    private final AtomicInteger recvCalls = new AtomicInteger();
    private final AtomicReference<String> rawThrow = new AtomicReference<>();

    ObservedMethod(MultifdMethod method) {
        this.method = method;
    }

    /** @return how many times {@code recv} ran */
    int recvCalls() {
        return recvCalls.get();
    }

    /**
     * @return the first hook that threw something other than a {@link MultifdException}, with what
     *         it threw
     */
    Optional<String> rawThrow() {
        return Optional.ofNullable(rawThrow.get());
    }

    private RuntimeException note(String hook, RuntimeException e) {
        rawThrow.compareAndSet(null, hook + " threw " + e);
        return e;
    }

    private Error note(String hook, Error e) {
        rawThrow.compareAndSet(null, hook + " threw " + e);
        return e;
    }

    @Override
    public void sendSetup(SendChannel channel) throws MultifdException {
        try {
            method.sendSetup(channel);
        } catch (RuntimeException e) {
            throw note("sendSetup", e);
        } catch (Error e) {
            throw note("sendSetup", e);
        }
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        try {
            method.sendCleanup(channel);
        } catch (RuntimeException e) {
            throw note("sendCleanup", e);
        } catch (Error e) {
            throw note("sendCleanup", e);
        }
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        try {
            method.sendPrepare(channel);
        } catch (RuntimeException e) {
            throw note("sendPrepare", e);
        } catch (Error e) {
            throw note("sendPrepare", e);
        }
    }

    @Override
    public void recvSetup(RecvChannel channel) throws MultifdException {
        try {
            method.recvSetup(channel);
        } catch (RuntimeException e) {
            throw note("recvSetup", e);
        } catch (Error e) {
            throw note("recvSetup", e);
        }
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        try {
            method.recvCleanup(channel);
        } catch (RuntimeException e) {
            throw note("recvCleanup", e);
        } catch (Error e) {
            throw note("recvCleanup", e);
        }
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        recvCalls.incrementAndGet();
        try {
            method.recv(channel);
        } catch (RuntimeException e) {
            throw note("recv", e);
        } catch (Error e) {
            throw note("recv", e);
        }
    }

    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        return method.maxPayloadSize(normalPages, pageSize);
    }

    @Override
    public String engine() {
        return method.engine();
    }

    @Override
    public Map<String, Long> counters(ChannelContext channel) {
        return method.counters(channel);
    }
}
