package io.multifd.method.zstd;

import io.multifd.api.Availability;
import java.lang.reflect.Field;

/**
 * Loads zstd-jni's native library once, lazily, and remembers why it failed. The holder class is
 * initialised on first use only, so nothing native happens before {@link #availability()}.
 */
final class ZstdNative {

    private ZstdNative() {
    }

    private static final class Holder {
        static final Availability AVAILABILITY = load();

        private static Availability load() {
            try {
                com.github.luben.zstd.util.Native.load();
                // touch a native entry point: a library that loads but does not link fails here
                com.github.luben.zstd.Zstd.defaultCompressionLevel();
                return Availability.full();
            } catch (LinkageError | RuntimeException e) {
                String reason = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
                return Availability.unavailable("zstd-jni " + version() + " native library did not load: " + reason);
            }
        }
    }

    /** @return whether zstd-jni works here, loading it on the first call */
    static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /**
     * The zstd-jni version at run time. Read reflectively: the constant would otherwise be the one
     * this module was compiled against.
     *
     * @return e.g. {@code "1.5.7-28"}, or {@code "unknown"}
     */
    static String version() {
        try {
            Field f = com.github.luben.zstd.util.ZstdVersion.class.getField("VERSION");
            Object v = f.get(null);
            return v instanceof String s && !s.isBlank() ? s : "unknown";
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return "unknown";
        }
    }
}
