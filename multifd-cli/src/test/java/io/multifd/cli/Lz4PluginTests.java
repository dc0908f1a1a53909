package io.multifd.cli;

import io.multifd.core.testing.MiniJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example third-party method {@code examples/method-lz4}, end to end as a plugin author and a
 * user meet it: built with Maven from its own pom, dropped into a plugins folder, listed, checked
 * with {@code conformance}, and used by two peers that both have it, while a peer without it
 * refuses at negotiation.
 *
 * <p>{@code methods} runs in this JVM, on the class path (the plugin gets its own class loader);
 * the other commands run in child JVMs on the module path, as the launcher runs them (the plugin
 * gets its own module layer).
 */
@Timeout(600)
class Lz4PluginTests {

    private static final Pattern PORT = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    static Path work;

    static Path jar;
    static Path plugins;

    @BeforeAll
    static void buildTheExampleAndDropItIntoAPluginsFolder() throws Exception {
        jar = ExampleBuild.buildJar("method-lz4", work);
        plugins = Files.createDirectories(work.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
    }

    @Test
    void methodsListsItFromThePluginsFolderBesideTheBuiltInOnes() {
        CliRun r = CliRun.of("methods", "--plugins", plugins.toString(), "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, Object> j = MiniJson.obj(MiniJson.parse(r.out()));
        List<Map<String, Object>> methods = MiniJson.arr(j.get("methods")).stream().map(MiniJson::obj).toList();
        assertThat(methods).extracting(m -> m.get("name")).contains("lz4", "none", "zlib", "zstd", "qpl");
        Map<String, Object> lz4 = methods.stream().filter(m -> "lz4".equals(m.get("name"))).findFirst().orElseThrow();
        assertThat(lz4.get("flag")).isEqualTo("0x34");
        assertThat(lz4.get("origin")).isEqualTo("plugin");
        assertThat(lz4.get("available")).isEqualTo(true);
        assertThat(lz4.get("provider")).isEqualTo("com.example.lz4method.Lz4MethodProvider");
        assertThat(lz4.get("version")).isEqualTo("1.0.0");
        assertThat(lz4.get("location")).isEqualTo(plugins.resolve(jar.getFileName()).toAbsolutePath().toString());
        assertThat(MiniJson.arr(lz4.get("parameters"))).singleElement()
                .satisfies(p -> assertThat(MiniJson.obj(p)).containsEntry("name", "level").containsEntry("max", 9L));
        assertThat(MiniJson.arr(j.get("problems"))).isEmpty();
    }

    @Test
    void conformancePassesOnTheModulePathAndWritesJUnitXml() throws Exception {
        Path dir = Files.createDirectories(work.resolve("conformance"));
        ModulePathCli cli = ModulePathCli.start(dir, "conformance", "conformance", jar.toString(), "--xml",
                dir.resolve("reports").toString());
        int code = cli.exit(300);
        String out = cli.stdout();
        assertThat(code).as(cli.toString()).isZero();
        assertThat(out).contains("jar " + jar.toAbsolutePath() + ": method lz4 (flag 0x34, version 1.0.0)")
                .contains("method lz4 (com.example.lz4method.Lz4MethodProvider)")
                .contains("  PASSED  rule 3.3  rule_3_3_consumesExactlyItsPayload\n")
                .contains("  PASSED  rule 4.1  rule_4_1_registeredForServiceLoader\n")
                .contains("  PASSED  rule 1.1  rule_1_1_runsThroughTheEngineOverLoopback\n")
                .contains("CONFORMS: 29 passed, 0 failed, 0 skipped")
                .endsWith("29 passed, 0 failed, 0 skipped\n");
        Path xml = dir.resolve("reports/lz4/TEST-jqwik.xml");
        assertThat(xml).exists();
        assertThat(Files.readString(xml)).contains("tests=\"29\"").contains("failures=\"0\"")
                .contains("rule 2 5 setsExactlyItsFlag");
    }

    @Test
    void twoPeersThatBothHaveTheJarMigrateAnImageWithIt() throws Exception {
        Path dir = Files.createDirectories(work.resolve("migration"));
        Path ram = image(dir.resolve("pc.ram.img"), 1536, 7);
        Path received = dir.resolve("received.img");
        ModulePathCli receiver = ModulePathCli.start(dir, "receive", "receive", "--plugins", plugins.toString(),
                "--listen", "127.0.0.1:0", "--out", received.toString(), "--methods", "lz4", "--progress", "none");
        String port = receiver.await(PORT, 60);
        ModulePathCli sender = ModulePathCli.start(dir, "send", "send", "--plugins", plugins.toString(), "--connect",
                "127.0.0.1:" + port, "--channels", "3", "--method", "lz4", "--level", "3", "--progress", "none",
                ram.toString());

        assertThat(sender.exit(120)).as(sender.toString()).isZero();
        assertThat(receiver.exit(60)).as(receiver.toString()).isZero();
        assertThat(Files.readAllBytes(received)).isEqualTo(Files.readAllBytes(ram));
        assertThat(sender.stdout()).contains("the destination chose lz4{level=3}").contains("over 3 channels");
        assertThat(receiver.stdout()).contains("with method lz4{level=3} over 3 channels: [pc.ram]");
    }

    @Test
    void aPeerWithoutTheJarRefusesAtNegotiationNamingBothSidesMethods() throws Exception {
        Path dir = Files.createDirectories(work.resolve("refusal"));
        Path ram = image(dir.resolve("pc.ram.img"), 64, 8);
        Path empty = Files.createDirectories(dir.resolve("no-plugins"));
        Path received = dir.resolve("received.img");
        ModulePathCli receiver = ModulePathCli.start(dir, "receive", "receive", "--plugins", empty.toString(),
                "--listen", "127.0.0.1:0", "--out", received.toString(), "--progress", "none");
        String port = receiver.await(PORT, 60);
        ModulePathCli sender = ModulePathCli.start(dir, "send", "send", "--plugins", plugins.toString(), "--connect",
                "127.0.0.1:" + port, "--method", "lz4", "--progress", "none", ram.toString());

        assertThat(sender.exit(60)).as(sender.toString()).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(receiver.exit(60)).as(receiver.toString()).isEqualTo(Main.EXIT_UNAVAILABLE);
        assertThat(sender.stderr()).contains("multifd send: the destination refused the transfer: destination has no "
                + "method in common with source: source offers [lz4], destination has [");
        assertThat(receiver.stderr()).contains("multifd receive: refused the transfer: destination has no method in "
                + "common with source");
        assertThat(received).doesNotExist();
        assertThat(dir.resolve("received.img.incomplete")).doesNotExist();
    }

    /** An image of text, zero and random pages. */
    private static Path image(Path file, int pages, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer b = ByteBuffer.allocate(pages * 4096);
        byte[] text = "the quick brown fox jumps over the lazy dog; ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int p = 0; p < pages; p++) {
            int kind = r.nextInt(3);
            for (int i = 0; i < 4096; i++) {
                b.put(p * 4096 + i, kind == 0 ? 0 : kind == 1 ? text[(i + p) % text.length] : (byte) r.nextInt());
            }
        }
        Files.write(file, b.array());
        return file;
    }
}
