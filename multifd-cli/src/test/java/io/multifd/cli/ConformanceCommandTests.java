package io.multifd.cli;

import io.multifd.api.MethodProvider;
import io.multifd.core.testing.MiniJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code multifd conformance} through picocli, on jars this project has never seen: written and
 * compiled here, loaded as plugins are. (The passing case, a real third-party method, is
 * Lz4PluginTests.)
 */
@Timeout(300)
class ConformanceCommandTests {

    @TempDir
    Path dir;

    /** A method that copies pages raw but marks its packets with another method's flag. */
    private static final String WRONG_FLAG = """
            package org.example.wrongflag;

            import io.multifd.api.*;
            import java.nio.ByteBuffer;

            public final class WrongFlagProvider implements MethodProvider {
                public WrongFlagProvider() {
                }
                public String name() {
                    return "wrong-flag";
                }
                public MethodFlag flag() {
                    return MethodFlag.privateFlag(0x36);
                }
                public int apiVersion() {
                    return MultifdApi.API_VERSION;
                }
                public MultifdMethod create(MethodSettings settings) {
                    return new MultifdMethod() {
                        public void sendSetup(SendChannel c) {
                            c.setIovSlots(c.packetCapacity());
                        }
                        public void sendCleanup(SendChannel c) {
                            c.setState(null);
                        }
                        public void sendPrepare(SendChannel c) {
                            PageBatch b = c.batch();
                            for (int i = 0; i < b.normalCount(); i++) {
                                c.addPayload(b.normalPage(i));
                            }
                            c.setNextPacketSize(b.normalCount() * c.pageSize());
                            c.setCompression(MethodFlag.privateFlag(0x38));
                            c.fillPacket();
                        }
                        public void recvSetup(RecvChannel c) {
                        }
                        public void recvCleanup(RecvChannel c) {
                            c.setState(null);
                        }
                        public void recv(RecvChannel c) throws MultifdException {
                            for (int i = 0; i < c.normalCount(); i++) {
                                c.readPayload(c.pageBuffer(i));
                            }
                        }
                        public int maxPayloadSize(int pages, int pageSize) {
                            return pages * pageSize;
                        }
                    };
                }
            }
            """;

    /**
     * One run (the kit takes a while even on a broken method): JSON with every check, the failed
     * rule with its reason and seed, exit code 1, JUnit XML. The text report is the kit's
     * ConformanceReport.format(), checked in multifd-tck and, for a passing method, in Lz4PluginTests.
     */
    @Test
    void aMethodThatBreaksARuleFailsWithRuleReasonAndSeedExitsOneAndWritesXml() throws Exception {
        Path jar = methodJar("wrong-flag.jar", "org.example.wrongflag.WrongFlagProvider", WRONG_FLAG);
        Path xml = dir.resolve("reports");

        CliRun r = CliRun.of("conformance", "--json", "--xml", xml.toString(), jar.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_FAILURE);
        Map<String, Object> j = MiniJson.obj(MiniJson.parse(r.out()));
        assertThat(j.get("conforms")).isEqualTo(false);
        assertThat(MiniJson.arr(j.get("jars"))).singleElement().satisfies(o -> assertThat(MiniJson.obj(o))
                .containsEntry("jar", jar.toAbsolutePath().toString()).containsEntry("methods", List.of("wrong-flag"))
                .containsEntry("problems", List.of()));
        Map<String, Object> m = MiniJson.obj(MiniJson.arr(j.get("methods")).get(0));
        assertThat(m).containsEntry("method", "wrong-flag").containsEntry("conforms", false);
        List<Map<String, Object>> checks = MiniJson.arr(m.get("checks")).stream().map(MiniJson::obj).toList();
        assertThat(checks).hasSize(29);
        Map<String, Object> flag = checks.stream().filter(c -> c.get("check").equals("rule_2_5_setsExactlyItsFlag"))
                .findFirst().orElseThrow();
        assertThat(flag).containsEntry("rule", "2.5").containsEntry("status", "failed");
        assertThat((String) flag.get("reason")).contains("set compression 0x38, its flag is 0x36");
        assertThat((String) flag.get("seed")).matches("-?\\d+");
        Map<String, Object> api = checks.stream().filter(c -> c.get("check").equals("rule_4_2_apiVersionIsTheCompiledOne"))
                .findFirst().orElseThrow();
        assertThat(api).containsEntry("status", "passed").containsEntry("reason", "").containsEntry("seed", null);
        long failed = checks.stream().filter(c -> c.get("status").equals("failed")).count();
        assertThat(j.get("failed")).isEqualTo(failed);
        assertThat((Long) j.get("passed") + (Long) j.get("failed") + (Long) j.get("skipped")).isEqualTo(29L);
        assertThat(j.get("xml")).isEqualTo(xml.toAbsolutePath().toString());
        assertThat(Files.readString(xml.resolve("wrong-flag/TEST-jqwik.xml"))).contains("<failure")
                .contains("rule 2 5 setsExactlyItsFlag");
    }

    @Test
    void aJarWithoutAMethodFailsAndSaysSo() throws Exception {
        Path jar = dir.resolve("empty.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry("README.txt"));
            j.write("no method here".getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }

        CliRun r = CliRun.of("conformance", jar.toString(), "--xml", dir.resolve("reports").toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.out()).contains("jar " + jar.toAbsolutePath() + ": no usable method")
                .contains("cannot load").contains("provides no io.multifd.api.MethodProvider")
                .endsWith("no method to check\n0 passed, 0 failed, 0 skipped\n");
    }

    @Test
    void aMissingJarIsAUsageError() {
        CliRun r = CliRun.of("conformance", dir.resolve("missing.jar").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).startsWith("JAR " + dir.resolve("missing.jar") + " is not a file")
                .contains("Usage: multifd conformance");
    }

    /** Compiles one provider against multifd-api and packs it with its service file. */
    private Path methodJar(String name, String provider, String source) throws Exception {
        Path src = dir.resolve("src").resolve(provider.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path api = Path.of(MethodProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path log = dir.resolve("javac.log");
        Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--release", "17", "-cp", api.toString(), "-d", classes.toString(), src.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(javac.waitFor(120, TimeUnit.SECONDS)).as("javac ended").isTrue();
        assertThat(javac.exitValue()).as(Files.readString(log)).isZero();
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
            j.putNextEntry(new JarEntry("META-INF/services/" + MethodProvider.class.getName()));
            j.write((provider + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        return jar;
    }
}
