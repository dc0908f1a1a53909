package io.multifd.tck.broken;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.Deflater;

/**
 * The test methods of the kit's self-test: one correct, and broken ones that each break one rule.
 */
public final class Providers {

    private Providers() {
    }

    /** Correct: raw pages. */
    public static final class Correct extends BrokenProvider {
        /** Creates it. */
        public Correct() {
            super("raw-correct", 0x0A, RawPagesMethod::new);
        }
    }

    /** Rule 2.5: sets zlib's flag instead of its own. */
    public static final class WrongFlag extends BrokenProvider {
        /** Creates it. */
        public WrongFlag() {
            super("wrong-flag", 0x0C, f -> new RawPagesMethod(f) {
                @Override
                MethodFlag flagToSet() {
                    return MethodFlag.ZLIB;
                }
            });
        }
    }

    /** Rule 2.4: declares one byte more than it sends. */
    public static final class WrongSize extends BrokenProvider {
        /** Creates it. */
        public WrongSize() {
            super("wrong-size", 0x0E, f -> new RawPagesMethod(f) {
                @Override
                int declaredSize(int bytes) {
                    return bytes == 0 ? 0 : bytes + 1;
                }
            });
        }
    }

    /** Rule 3.3: reads 8 bytes past its payload. */
    public static final class ReadsPastPayload extends BrokenProvider {
        /** Creates it. */
        public ReadsPastPayload() {
            super("reads-past", 0x12, f -> new RawPagesMethod(f) {
                @Override
                public void recv(RecvChannel channel) throws MultifdException {
                    ByteBuffer all = ByteBuffer.allocate(channel.nextPacketSize() + 8);
                    channel.readPayload(all);
                    all.flip();
                    for (int i = 0; i < channel.normalCount(); i++) {
                        channel.pageBuffer(i).put(all.slice(i * channel.pageSize(), channel.pageSize()));
                    }
                }
            });
        }
    }

    /** Rule 1.5: keeps every direct buffer its setup allocates. */
    public static final class LeaksDirectMemory extends BrokenProvider {
        static final List<ByteBuffer> KEPT = Collections.synchronizedList(new ArrayList<>());

        /** Creates it. */
        public LeaksDirectMemory() {
            super("leaks-direct", 0x14, f -> new RawPagesMethod(f) {
                @Override
                public void sendSetup(SendChannel channel) throws MultifdException {
                    super.sendSetup(channel);
                    ByteBuffer scratch = ByteBuffer.allocateDirect(4096);
                    KEPT.add(scratch);
                    channel.setState(scratch);
                }
            });
        }
    }

    /** Rule 1.5: never ends the Deflater its setup creates (native memory). */
    public static final class LeaksNativeMemory extends BrokenProvider {
        static final List<Deflater> KEPT = Collections.synchronizedList(new ArrayList<>());

        /** Creates it. */
        public LeaksNativeMemory() {
            super("leaks-native", 0x16, f -> new RawPagesMethod(f) {
                @Override
                public void sendSetup(SendChannel channel) throws MultifdException {
                    super.sendSetup(channel);
                    Deflater d = new Deflater();
                    KEPT.add(d);
                    channel.setState(d);
                }
            });
        }
    }

    /** Rule 1.5: recvCleanup leaves its state in the slot. */
    public static final class LeaksStateSlot extends BrokenProvider {
        /** Creates it. */
        public LeaksStateSlot() {
            super("leaks-slot", 0x18, f -> new RawPagesMethod(f) {
                @Override
                public void recvSetup(RecvChannel channel) {
                    channel.setState(new byte[16]);
                }

                @Override
                public void recvCleanup(RecvChannel channel) {
                    // forgets channel.setState(null)
                }
            });
        }
    }

    /** Rule 2.8: corrupts the second packet of each channel. */
    public static final class CorruptsSecondPacket extends BrokenProvider {
        /** Creates it. */
        public CorruptsSecondPacket() {
            super("corrupts-second", 0x1A, f -> new RawPagesMethod(f) {
                @Override
                public void sendSetup(SendChannel channel) throws MultifdException {
                    super.sendSetup(channel);
                    channel.setState(new int[1]);
                }

                @Override
                public void sendPrepare(SendChannel channel) throws MultifdException {
                    channel.state(int[].class)[0]++;
                    super.sendPrepare(channel);
                }

                @Override
                ByteBuffer payloadPage(SendChannel channel, ByteBuffer page, int i) {
                    if (channel.state(int[].class)[0] != 2 || i != 0) {
                        return page;
                    }
                    ByteBuffer copy = ByteBuffer.allocate(page.remaining()).put(page.duplicate()).flip();
                    copy.put(copy.limit() / 2, (byte) (copy.get(copy.limit() / 2) ^ 0x40));
                    return copy;
                }
            });
        }
    }

    /** Rule 2.9: takes each page from position 0 of its buffer instead of its position. */
    public static final class AssumesPositionZero extends BrokenProvider {
        /** Creates it. */
        public AssumesPositionZero() {
            super("position-zero", 0x26, f -> new RawPagesMethod(f) {
                @Override
                ByteBuffer payloadPage(SendChannel channel, ByteBuffer page, int i) {
                    return page.duplicate().limit(channel.pageSize()).position(0);
                }
            });
        }
    }

    /** Rule 1.3: throws IllegalArgumentException for a payload of the wrong size. */
    public static final class ThrowsRawException extends BrokenProvider {
        /** Creates it. */
        public ThrowsRawException() {
            super("throws-raw", 0x1C, f -> new RawPagesMethod(f) {
                @Override
                void badSize(RecvChannel channel, long expected) {
                    throw new IllegalArgumentException("bad payload size " + channel.nextPacketSize());
                }
            });
        }
    }

    /** Rule 1.1: one deflate stream shared by all channels. */
    public static final class SharesOneCompressor extends BrokenProvider {
        /** Creates it. */
        public SharesOneCompressor() {
            super("shared-stream", 0x1E, SharedStreamMethod::new);
        }
    }

    /** Rule 3.5 (time bound): waits forever for a payload of the wrong size. */
    public static final class HangsOnBadInput extends BrokenProvider {
        /** Creates it. */
        public HangsOnBadInput() {
            super("hangs", 0x22, f -> new RawPagesMethod(f) {
                @Override
                void badSize(RecvChannel channel, long expected) throws MultifdException {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw channel.failure("next_packet_size", "woke up");
                }
            });
        }
    }

    /** Rule 3.5 (allocation bound): allocates 64 MiB for a payload of the wrong size. */
    public static final class AllocatesOnBadInput extends BrokenProvider {
        /** Creates it. */
        public AllocatesOnBadInput() {
            super("allocates", 0x24, f -> new RawPagesMethod(f) {
                @Override
                void badSize(RecvChannel channel, long expected) throws MultifdException {
                    byte[] room = new byte[64 << 20];
                    throw channel.failure("next_packet_size", "no use for " + room.length + " bytes");
                }
            });
        }
    }
}
