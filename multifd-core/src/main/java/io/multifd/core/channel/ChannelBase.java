package io.multifd.core.channel;

import io.multifd.api.ChannelContext;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;

/**
 * What the send and receive sides of a channel share: the method, the channel's geometry, the
 * method-owned state slot, the current packet and the exceptions that name them.
 */
abstract class ChannelBase implements ChannelContext {

    final ResolvedMethod method;
    final int pageSize;
    final int capacity;
    int id;
    Object state;
    long packetNumber = MultifdException.NO_PACKET;
    private boolean setupCalled;
    private boolean closed;

    /** A call of one of the method's hooks. */
    @FunctionalInterface
    interface HookCall {
        /** @throws MultifdException what the hook threw */
        void run() throws MultifdException;
    }

    ChannelBase(ResolvedMethod method, int id, int pageSize) {
        this.method = method;
        this.id = id;
        this.pageSize = MultifdApi.checkPageSize(pageSize);
        this.capacity = MultifdApi.packetCapacity(pageSize);
    }

    /**
     * Runs the setup hook. After a failure the cleanup has run ({@link #close()}); the exception
     * names method and channel, or blames the hook for an unexpected throw.
     */
    final void runSetup(String hook, HookCall call) throws MultifdException {
        setupCalled = true;
        try {
            call.run();
        } catch (MultifdException e) {
            close();
            throw e.withContext(method.name(), id, MultifdException.NO_PACKET);
        } catch (RuntimeException | LinkageError e) {
            close();
            throw bug(hook, "threw " + e, e);
        }
    }

    /** Runs the cleanup hook once, and only after a setup, then checks rule 1.5. */
    final void runCleanup(String hook, HookCall call) throws MultifdException {
        if (closed || !setupCalled) {
            closed = true;
            return;
        }
        closed = true;
        try {
            call.run();
        } catch (RuntimeException | LinkageError e) {
            throw bug(hook, "threw " + e, e);
        }
        checkSlotEmptied(hook);
    }

    /**
     * Runs the method's cleanup hook once (after a setup) and checks rule 1.5.
     *
     * @throws MultifdException when the cleanup threw or left its state slot filled
     */
    public abstract void close() throws MultifdException;

    /** An exception blaming the method's hook (a broken rule or an unexpected throw). */
    final MultifdException bug(String hook, String detail, Throwable cause) {
        return new MultifdException(method.name(), id, packetNumber, hook,
                "method " + method.name() + " " + hook + " " + detail, cause);
    }

    /** Rule 1.5: after a cleanup hook the state slot must be empty; empties it either way. */
    final void checkSlotEmptied(String hook) throws MultifdException {
        if (state != null) {
            Object left = state;
            state = null;
            throw bug(hook, "broke rule 1.5: the state slot still holds a " + left.getClass().getName(), null);
        }
    }

    @Override
    public final int id() {
        return id;
    }

    @Override
    public final int pageSize() {
        return pageSize;
    }

    @Override
    public final int packetCapacity() {
        return capacity;
    }

    @Override
    public final MethodSettings settings() {
        return method.settings();
    }

    @Override
    public final Object state() {
        return state;
    }

    @Override
    public final void setState(Object state) {
        this.state = state;
    }

    @Override
    public final long packetNumber() {
        return packetNumber;
    }

    @Override
    public final MultifdException failure(String field, String detail) {
        return failure(field, detail, null);
    }

    @Override
    public final MultifdException failure(String field, String detail, Throwable cause) {
        return new MultifdException(method.name(), id, packetNumber, field, detail, cause);
    }
}
