package io.multifd.method.qpl;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory owned by one channel (its payload buffer, a scratch page): a JNA {@link Memory}
 * with its address, for libqpl, and a big-endian {@link ByteBuffer} view of it, for Java code and
 * the framework. Freed by {@link #close()}, not by the garbage collector.
 */
final class NativeBuffer implements AutoCloseable {

    private final Memory memory;
    private final long address;
    private final ByteBuffer view;

    /**
     * Allocates the memory, zeroed (libqpl jobs are initialised from zeroed memory, as QEMU does).
     *
     * @param bytes at least 1
     */
    NativeBuffer(int bytes) {
        this.memory = new Memory(bytes);
        memory.clear();
        this.address = Pointer.nativeValue(memory);
        this.view = memory.getByteBuffer(0, bytes).order(ByteOrder.BIG_ENDIAN);
    }

    /** @return the address of byte 0 */
    long address() {
        return address;
    }

    /** @return the memory as a JNA pointer */
    Pointer pointer() {
        return memory;
    }

    /** @return a big-endian view of all of it (shared: callers must not move its position) */
    ByteBuffer view() {
        return view;
    }

    /**
     * A view of a range, with its own position and limit.
     *
     * @param offset first byte
     * @param length bytes
     * @return a big-endian buffer, position 0, limit {@code length}
     */
    ByteBuffer slice(int offset, int length) {
        return view.slice(offset, length).order(ByteOrder.BIG_ENDIAN);
    }

    /** @return the size in bytes */
    int capacity() {
        return view.capacity();
    }

    /** Frees the memory; harmless when repeated. */
    @Override
    public void close() {
        memory.close();
    }
}
