package io.multifd.api;

/**
 * Whether a method can encode and decode on this machine, and why not.
 *
 * @param canEncode whether {@code send*} hooks work here
 * @param canDecode whether {@code recv*} hooks work here
 * @param reason    why a direction is unavailable (the loader's message, the path tried); empty when
 *                  both work
 * @since 0.1
 */
public record Availability(boolean canEncode, boolean canDecode, String reason) {

    private static final Availability FULL = new Availability(true, true, "");

    /**
     * Checks the reason is given whenever a direction is missing.
     *
     * @param canEncode encode works
     * @param canDecode decode works
     * @param reason    why not
     */
    public Availability {
        if (reason == null) {
            throw new IllegalArgumentException("reason must not be null");
        }
        if ((!canEncode || !canDecode) && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable direction needs a reason");
        }
    }

    /** @return both directions work */
    public static Availability full() {
        return FULL;
    }

    /**
     * Only decoding works (e.g. a pure-Java decoder while the native encoder is missing).
     *
     * @param reason why encoding does not
     * @return the availability
     */
    public static Availability decodeOnly(String reason) {
        return new Availability(false, true, reason);
    }

    /**
     * Nothing works here.
     *
     * @param reason why (the loader's message, the search path tried)
     * @return the availability
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, false, reason);
    }

    /** @return both directions work */
    public boolean isFull() {
        return canEncode && canDecode;
    }

    @Override
    public String toString() {
        if (isFull()) {
            return "available";
        }
        if (canDecode) {
            return "decode only (" + reason + ")";
        }
        return canEncode ? "encode only (" + reason + ")" : "unavailable (" + reason + ")";
    }
}
