package io.multifd.api;

/**
 * The value a method puts in the compression field ({@code flags & 0x3E}) of every RAM packet.
 *
 * <p>The field holds a value, not independent bits. QEMU assigns {@link #NONE} 0x00,
 * {@link #ZLIB} 0x02, {@link #ZSTD} 0x04, {@link #QPL} 0x08, {@link #UADK} 0x10 and
 * {@link #QATZIP} 0x20. The <b>private flag space</b> for methods that QEMU does not know is every
 * other even value of the field from 0x0A to 0x3E; 0x06 is excluded because an early QEMU patch
 * used it for qatzip. A private method can only talk to peers of this project, never to QEMU.
 *
 * @param value the field value, a subset of {@link #FIELD_MASK}
 * @since 0.1
 */
public record MethodFlag(int value) {

    /** The mask of the compression field in the packet flags. */
    public static final int FIELD_MASK = 0x3E;

    /** No compression. */
    public static final MethodFlag NONE = new MethodFlag(0x00);
    /** zlib stream per channel. */
    public static final MethodFlag ZLIB = new MethodFlag(0x02);
    /** zstd stream per channel. */
    public static final MethodFlag ZSTD = new MethodFlag(0x04);
    /** Intel QPL, raw deflate per page. */
    public static final MethodFlag QPL = new MethodFlag(0x08);
    /** HiSilicon UADK. */
    public static final MethodFlag UADK = new MethodFlag(0x10);
    /** Intel QAT through QATzip. */
    public static final MethodFlag QATZIP = new MethodFlag(0x20);

    /** One instance per field value, so that parsing a packet allocates nothing. */
    private static final MethodFlag[] BY_VALUE = new MethodFlag[FIELD_MASK + 1];

    static {
        for (MethodFlag f : new MethodFlag[] {NONE, ZLIB, ZSTD, QPL, UADK, QATZIP}) {
            BY_VALUE[f.value] = f;
        }
        for (int v = 0; v <= FIELD_MASK; v += 2) {
            if (BY_VALUE[v] == null) {
                BY_VALUE[v] = new MethodFlag(v);
            }
        }
    }

    /**
     * Validates the value.
     *
     * @param value the field value
     * @throws IllegalArgumentException when bits outside the field are set
     */
    public MethodFlag {
        if ((value & ~FIELD_MASK) != 0) {
            throw new IllegalArgumentException(String.format(
                    "method flag 0x%02X has bits outside the compression field 0x%02X", value, FIELD_MASK));
        }
    }

    /**
     * The flag for a field value.
     *
     * @param value the field value
     * @return the flag
     * @throws IllegalArgumentException when bits outside the field are set
     */
    public static MethodFlag of(int value) {
        if (value >= 0 && value <= FIELD_MASK && BY_VALUE[value] != null) {
            return BY_VALUE[value];
        }
        return new MethodFlag(value);
    }

    /**
     * A flag for a method QEMU does not know.
     *
     * @param value a value of the private flag space
     * @return the flag
     * @throws IllegalArgumentException when the value is QEMU's, 0x06 or outside the field
     */
    public static MethodFlag privateFlag(int value) {
        MethodFlag flag = of(value);
        if (flag.isQemuAssigned() || value == 0x06) {
            throw new IllegalArgumentException(String.format(
                    "method flag 0x%02X is not in the private flag space (even values 0x0A..0x3E not assigned by QEMU)",
                    value));
        }
        return flag;
    }

    /** @return whether QEMU assigns this value to one of its methods */
    public boolean isQemuAssigned() {
        return value == 0x00 || value == 0x02 || value == 0x04 || value == 0x08 || value == 0x10 || value == 0x20;
    }

    @Override
    public String toString() {
        return String.format("0x%02X", value);
    }
}
