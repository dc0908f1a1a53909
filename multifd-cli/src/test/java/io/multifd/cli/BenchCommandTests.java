package io.multifd.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTests {

    @TempDir
    Path dir;

    @Test
    void inProcessRunsEveryMethodVerifiesAndWritesJsonAndChart() throws Exception {
        Path json = dir.resolve("bench.json");
        Path chart = dir.resolve("bench.svg");
        CliRun r = CliRun.of("bench", "--image", "8M", "--channels", "1,2", "--methods", "none,zlib,zstd",
                "--json", json.toString(), "--chart", chart.toString(), "--progress", "none");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("generated guest-like image of 8.0 MiB (2048 pages of 4096 bytes: zero ")
                .contains("every run verified bit-exact");
        for (String m : new String[]{"none", "zlib{level=1}", "zstd{level=1}"}) {
            assertThat(r.out()).containsPattern(Pattern.quote(m) + " over 1 channel: ratio \\d+\\.\\d\\d, encode \\d+ "
                    + "MiB/s, decode \\d+ MiB/s, .* on the wire, bit-exact");
            assertThat(r.out()).contains(m + " over 2 channels: ratio ");
        }
        String j = Files.readString(json);
        assertThat(count(j, "\"method\": ")).isEqualTo(6);
        assertThat(j).contains("\"transport\": \"inproc\"").contains("\"verified\": true");
        Matcher none = Pattern.compile("\"method\": \"none\".*?\"ratio\": ([0-9.]+)").matcher(j);
        Matcher zstd = Pattern.compile("\"method\": \"zstd\".*?\"ratio\": ([0-9.]+)").matcher(j);
        assertThat(none.find() && zstd.find()).isTrue();
        assertThat(Double.parseDouble(zstd.group(1))).isGreaterThan(Double.parseDouble(none.group(1)));
        String svg = Files.readString(chart);
        assertThat(svg).startsWith("<svg").contains("zstd \u00d72").contains("none \u00d71").endsWith("</svg>\n");
    }

    @Test
    void tcpRunsEndToEnd() {
        CliRun r = CliRun.of("bench", "--image", "4M", "--transport", "tcp", "--methods", "zstd", "--no-chart",
                "--progress", "lines", "--channels", "2");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("zstd\\{level=1\\} over 2 channels: ratio \\d+\\.\\d\\d, end to end \\d+ "
                + "MiB/s");
    }

    @Test
    void twoJvmsRunEndToEndWithWarmUpHandshakeAndCheck() throws Exception {
        Path json = dir.resolve("jvm2.json");
        CliRun r = CliRun.of("bench", "--image", "4M", "--transport", "jvm2", "--methods", "zstd", "--no-chart",
                "--progress", "none", "--channels", "2", "--warmup", "2M", "--warmup-limit", "1", "--json",
                json.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        // the destination JVM's own lines come through the command's error stream
        assertThat(r.err())
                .containsPattern("multifd bench: destination JIT warm-up: \\d+ in-process transfers of 2 MiB");
        assertThat(r.out()).containsPattern("source JIT warm-up: \\d+ in-process transfers of 2 MiB")
                .containsPattern("zstd\\{level=1\\} over 2 channels: ratio \\d+\\.\\d\\d, end to end \\d+ MiB/s, .*"
                        + "bit-exact");
        String j = Files.readString(json);
        assertThat(j).contains("\"transport\": \"jvm2\"").contains("\"destinationMemory\": \"prealloc\"");
    }

    @Test
    void badArgumentsAreUsageErrorsAndUnknownMethodsAreUnavailable() {
        assertThat(CliRun.of("bench", "--image", "1000", "--no-chart").code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(CliRun.of("bench", "--transport", "udp").code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(CliRun.of("bench", "--transport", "jvm2", "--warmup", "ten", "--no-chart").code())
                .isEqualTo(Main.EXIT_USAGE);
        CliRun unknown = CliRun.of("bench", "--methods", "nosuch", "--image", "1M", "--no-chart");
        assertThat(unknown.code()).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(unknown.err()).contains("no method named 'nosuch' is installed");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
