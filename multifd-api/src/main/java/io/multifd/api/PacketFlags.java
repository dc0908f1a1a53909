package io.multifd.api;

/**
 * The flags of a packet as a typed value; the integer form exists only in the packet codec.
 *
 * @param sync        SYNC ({@code 0x01}): a sync point
 * @param compression the compression field ({@code 0x3E})
 * @param deviceState DEVICE_STATE ({@code 0x40}): a device-state packet
 * @since 0.1
 */
public record PacketFlags(boolean sync, MethodFlag compression, boolean deviceState) {

    /** SYNC bit on the wire. */
    public static final int SYNC_BIT = 0x01;
    /** DEVICE_STATE bit on the wire. */
    public static final int DEVICE_STATE_BIT = 0x40;
    /** Every bit QEMU 10.0 defines. */
    public static final int KNOWN_BITS = SYNC_BIT | MethodFlag.FIELD_MASK | DEVICE_STATE_BIT;

    /** The flags of a QEMU 10.0 SYNC packet: exactly {@code 0x01}. */
    public static final PacketFlags SYNC = new PacketFlags(true, MethodFlag.NONE, false);

    /** One instance per valid wire value, so that parsing a packet allocates nothing. */
    private static final PacketFlags[] BY_WIRE = new PacketFlags[KNOWN_BITS + 1];

    static {
        for (int w = 0; w <= KNOWN_BITS; w++) {
            boolean sync = (w & SYNC_BIT) != 0;
            boolean device = (w & DEVICE_STATE_BIT) != 0;
            if (!(sync && device)) {
                BY_WIRE[w] = new PacketFlags(sync, MethodFlag.of(w & MethodFlag.FIELD_MASK), device);
            }
        }
    }

    /**
     * Rejects combinations QEMU never sends.
     *
     * @param sync        SYNC bit
     * @param compression compression field
     * @param deviceState DEVICE_STATE bit
     * @throws IllegalArgumentException for SYNC together with DEVICE_STATE
     */
    public PacketFlags {
        if (compression == null) {
            throw new IllegalArgumentException("compression must not be null");
        }
        if (sync && deviceState) {
            throw new IllegalArgumentException("flags SYNC (0x01) and DEVICE_STATE (0x40) never go together");
        }
    }

    /**
     * A data packet of a method.
     *
     * @param compression the method's flag
     * @return flags with only the compression field set
     */
    public static PacketFlags data(MethodFlag compression) {
        return BY_WIRE[compression.value()];
    }

    /**
     * Parses the wire value.
     *
     * @param wire the BE u32 flags of the common header
     * @return the typed flags
     * @throws IllegalArgumentException naming the bits at fault: unknown bits (0x80 and above) or
     *                                  SYNC with DEVICE_STATE
     */
    public static PacketFlags of(int wire) {
        if ((wire & ~KNOWN_BITS) != 0) {
            throw new IllegalArgumentException(String.format(
                    "flags 0x%08X have unknown bits 0x%08X set", wire, wire & ~KNOWN_BITS));
        }
        PacketFlags f = BY_WIRE[wire];
        if (f == null) {
            throw new IllegalArgumentException("flags SYNC (0x01) and DEVICE_STATE (0x40) never go together");
        }
        return f;
    }

    /** @return the wire value */
    public int toWire() {
        return (sync ? SYNC_BIT : 0) | compression.value() | (deviceState ? DEVICE_STATE_BIT : 0);
    }

    @Override
    public String toString() {
        return String.format("0x%02X", toWire());
    }
}
