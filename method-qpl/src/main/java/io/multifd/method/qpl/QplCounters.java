package io.multifd.method.qpl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-channel page counters, reported through
 * {@link io.multifd.api.MultifdMethod#counters(io.multifd.api.ChannelContext)}. On the send side
 * they count pages by the engine that compressed them; on the receive side by the engine that
 * inflated them. Used by one channel thread only.
 */
final class QplCounters {

    /** Pages compressed or inflated on libqpl's hardware path. */
    static final String HARDWARE_PAGES = "hardware_pages";
    /** Pages compressed or inflated on libqpl's software path. */
    static final String SOFTWARE_PAGES = "software_pages";
    /** Pages compressed or inflated by java.util.zip. */
    static final String JAVA_PAGES = "java_pages";
    /** Pages sent or received raw ({@code len == pageSize}). */
    static final String RAW_PAGES = "raw_pages";
    /** Hardware submissions repeated because the work queues were busy. */
    static final String HARDWARE_RETRIES = "hardware_retries";
    /** Pages the hardware path failed on that went to the software path instead. */
    static final String HARDWARE_FALLBACKS = "hardware_fallbacks";

    long hardwarePages;
    long softwarePages;
    long javaPages;
    long rawPages;
    long hardwareRetries;
    long hardwareFallbacks;

    /** @return the counters by name, in a fixed order */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(HARDWARE_PAGES, hardwarePages);
        m.put(SOFTWARE_PAGES, softwarePages);
        m.put(JAVA_PAGES, javaPages);
        m.put(RAW_PAGES, rawPages);
        m.put(HARDWARE_RETRIES, hardwareRetries);
        m.put(HARDWARE_FALLBACKS, hardwareFallbacks);
        return Collections.unmodifiableMap(m);
    }
}
