package io.multifd.method.zstd;

import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdException;

/**
 * Run in a child JVM whose zstd-jni cannot load its native library: prints what the provider
 * reports, one fact per line.
 */
public final class UnavailableProbe {

    private UnavailableProbe() {
    }

    /**
     * Prints the probe's findings.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        ZstdMethodProvider provider = new ZstdMethodProvider();
        System.out.println("constructed " + provider.name() + " loaded=" + com.github.luben.zstd.util.Native.isLoaded());
        System.out.println("availability " + provider.availability());
        System.out.println("again " + (provider.availability() == provider.availability()));
        try {
            provider.create(MethodSettings.resolve("zstd", provider.parameters(), java.util.Map.of()));
            System.out.println("create succeeded");
        } catch (MultifdException e) {
            System.out.println("create failed: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            System.out.println("create threw " + e);
        }
    }
}
