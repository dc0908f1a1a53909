package io.multifd.method.zstd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without its native library zstd is listed as unavailable with the loader's reason, the
 * constructor loads nothing, and {@code create} fails with the project exception (rule 1.2).
 * Runs a child JVM whose zstd-jni is pointed at a library that does not exist.
 */
class ZstdUnavailableTests {

    @Test
    void aMissingNativeLibraryMakesZstdUnavailableWithTheLoadersReason() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-DZstdNativePath=/nonexistent/libzstd-jni.so",
                "-cp", System.getProperty("java.class.path"), UnavailableProbe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("constructed zstd loaded=false");
        assertThat(lines.get(1)).startsWith("availability unavailable (zstd-jni ")
                .contains("native library did not load").contains("/nonexistent/libzstd-jni.so");
        assertThat(lines.get(2)).isEqualTo("again true");
        assertThat(lines.get(3)).startsWith("create failed: method zstd: zstd is not available here: ");
    }
}
