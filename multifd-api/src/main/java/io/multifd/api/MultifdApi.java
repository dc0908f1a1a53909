package io.multifd.api;

/**
 * Constants of the contract and of QEMU's multifd framing that every method may rely on.
 *
 * @since 0.1
 */
public final class MultifdApi {

    /**
     * Version of this contract. A provider returns it from {@link MethodProvider#apiVersion()};
     * being a compile-time constant, the value is the one the provider was built against.
     * Raised on every change of the contract; {@link #OLDEST_SUPPORTED_API_VERSION} says which
     * older versions still run unchanged.
     * <ul>
     * <li>1: first version.</li>
     * <li>2: page views ({@link PageBatch#normalPage(int)}, {@link RecvChannel#pageBuffer(int)})
     * are reused by the framework and span {@code position..limit}, which need not start at 0
     * (rule 2.9). A method that used only relative buffer operations works unchanged but must be
     * rebuilt.</li>
     * <li>3: {@link RecvChannel#pageRun(int)}, a view of several normal pages that lie back to
     * back in the destination, so a method can decode or copy them in one call. Added only: a
     * method built for version 2 runs unchanged.</li>
     * </ul>
     */
    public static final int API_VERSION = 3;

    /**
     * The oldest contract version a method may have been built against and still run with this
     * one: version 2 (version 1 methods may assume page views start at position 0, rule 2.9).
     */
    public static final int OLDEST_SUPPORTED_API_VERSION = 2;

    /** Bytes of page data one packet can carry: QEMU's {@code MULTIFD_PACKET_SIZE} (512 KiB). */
    public static final int PACKET_DATA_BYTES = 512 * 1024;

    /** Smallest supported page size. */
    public static final int MIN_PAGE_SIZE = 1024;

    /** Largest supported page size. */
    public static final int MAX_PAGE_SIZE = 64 * 1024;

    private MultifdApi() {
    }

    /**
     * Whether a method built against a contract version runs with this one.
     *
     * @param apiVersion what the method's {@link MethodProvider#apiVersion()} returns
     * @return whether it is between {@link #OLDEST_SUPPORTED_API_VERSION} and {@link #API_VERSION}
     */
    public static boolean isSupported(int apiVersion) {
        return apiVersion >= OLDEST_SUPPORTED_API_VERSION && apiVersion <= API_VERSION;
    }

    /**
     * The versions {@link #isSupported(int)} accepts, for messages: {@code "2..3"}.
     *
     * @return the range as text
     */
    public static String supportedVersions() {
        return OLDEST_SUPPORTED_API_VERSION == API_VERSION ? String.valueOf(API_VERSION)
                : OLDEST_SUPPORTED_API_VERSION + ".." + API_VERSION;
    }

    /**
     * Pages one packet holds at most for a page size: {@code 524288 / pageSize} (128 for 4 KiB).
     *
     * @param pageSize a valid page size (see {@link #checkPageSize(int)})
     * @return the packet capacity in pages
     */
    public static int packetCapacity(int pageSize) {
        checkPageSize(pageSize);
        return PACKET_DATA_BYTES / pageSize;
    }

    /**
     * Checks that a page size is a power of two between {@link #MIN_PAGE_SIZE} and
     * {@link #MAX_PAGE_SIZE}.
     *
     * @param pageSize the page size in bytes
     * @return {@code pageSize}
     * @throws IllegalArgumentException naming the value when it is not supported
     */
    public static int checkPageSize(int pageSize) {
        if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size " + pageSize
                    + " is not supported: it must be a power of two from " + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE);
        }
        return pageSize;
    }
}
