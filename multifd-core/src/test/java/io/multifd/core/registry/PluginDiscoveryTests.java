package io.multifd.core.registry;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plugins folder: provider jars compiled and packed at test time, good and broken ones. */
@Timeout(120)
class PluginDiscoveryTests {

    static final String SERVICES = "META-INF/services/io.multifd.api.MethodProvider";

    static String provider(String pkg, String cls, String name, int flag, String extra) {
        return "package " + pkg + ";\n"
                + "public final class " + cls + " implements io.multifd.api.MethodProvider {\n"
                + extra + "\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public io.multifd.api.MethodFlag flag() { return io.multifd.api.MethodFlag.of(" + flag + "); }\n"
                + "  public int apiVersion() { return io.multifd.api.MultifdApi.API_VERSION; }\n"
                + "  public io.multifd.api.MultifdMethod create(io.multifd.api.MethodSettings s) {\n"
                + "    throw new UnsupportedOperationException(\"discovery test only\");\n  }\n}\n";
    }

    /** Compiles sources (fully qualified class name to code) into a folder. */
    static Path compile(Path work, Map<String, String> sources) throws IOException {
        Path src = work.resolve("src-" + System.nanoTime());
        Path out = work.resolve("classes-" + System.nanoTime());
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", out.toString(),
                "-classpath", System.getProperty("java.class.path")));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        java.util.spi.ToolProvider javac = java.util.spi.ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException("these tests need a JDK with javac"));
        StringWriter err = new StringWriter();
        int rc = javac.run(new PrintWriter(err), new PrintWriter(err), args.toArray(new String[0]));
        assertThat(rc).as("javac: " + err).isZero();
        return out;
    }

    /** Packs the given classes (by class name) and a service file into a jar. */
    static Path jar(Path dir, String jarName, Path classes, List<String> classNames, String services,
                    String version) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (version != null) {
            mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        }
        Path jar = dir.resolve(jarName);
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream jo = new JarOutputStream(fo, mf)) {
            for (String cn : classNames) {
                String entry = cn.replace('.', '/') + ".class";
                jo.putNextEntry(new JarEntry(entry));
                jo.write(Files.readAllBytes(classes.resolve(entry)));
                jo.closeEntry();
            }
            if (services != null) {
                jo.putNextEntry(new JarEntry(SERVICES));
                jo.write(services.getBytes(StandardCharsets.UTF_8));
                jo.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void jarsOfThePluginsFolderAreLoadedEachOnItsOwnAndBrokenOnesAreReported(@TempDir Path work) throws Exception {
        Path classes = compile(work, Map.of(
                "plug.a.APlugin", provider("plug.a", "APlugin", "plug-a", 0x2C,
                        "  public java.util.List<io.multifd.api.MethodParameter> parameters() {"
                                + " return java.util.List.of(io.multifd.api.MethodParameter.ofInt(\"level\", \"x\", 1, 3, 2)); }"),
                "plug.b.BPlugin", provider("plug.b", "BPlugin", "plug-b", 0x2E,
                        "  public BPlugin() { throw new IllegalStateException(\"plugin b cannot start\"); }"),
                "plug.c.CPlugin", provider("plug.c", "CPlugin", "plug-c", 0x30,
                        "  public io.multifd.api.Availability availability() {"
                                + " return io.multifd.api.Availability.decodeOnly(plug.c.Native.probe()); }"),
                "plug.c.Native", "package plug.c; public final class Native {"
                        + " public static String probe() { return \"native encoder missing\"; } }"));
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path a = jar(plugins, "a.jar", classes, List.of("plug.a.APlugin"), "plug.a.APlugin\n", "7.7");
        Path b = jar(plugins, "b.jar", classes, List.of("plug.b.BPlugin"), "plug.b.BPlugin\n", null);
        // c.jar lacks the class its availability() needs: a LinkageError at discovery
        Path c = jar(plugins, "c.jar", classes, List.of("plug.c.CPlugin"), "plug.c.CPlugin\n", null);
        Path missing = jar(plugins, "missing.jar", classes, List.of(), "plug.x.Gone\n", null);
        Path empty = jar(plugins, "empty.jar", classes, List.of("plug.a.APlugin"), null, null);
        Files.writeString(plugins.resolve("notes.txt"), "not a jar, ignored");

        MethodRegistry r = MethodRegistry.discover(plugins);

        assertThat(r.names()).contains("plug-a", "test-good").doesNotContain("plug-b", "plug-c");
        DiscoveredMethod pa = r.find("plug-a").orElseThrow();
        assertThat(pa.origin()).isEqualTo(DiscoveredMethod.Origin.PLUGIN);
        assertThat(pa.location()).isEqualTo(a.toString());
        assertThat(pa.flag()).isEqualTo(MethodFlag.of(0x2C));
        assertThat(pa.version()).isEqualTo("7.7");
        assertThat(pa.parameters()).singleElement().satisfies(p -> assertThat(p.defaultValue()).isEqualTo("2"));
        assertThat(pa.provider().getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());

        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.location()).isEqualTo(b.toString());
            assertThat(p.providerClass()).isEqualTo("plug.b.BPlugin");
            assertThat(p.reason()).contains("constructor").contains("plugin b cannot start");
        });
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.location()).isEqualTo(c.toString());
            assertThat(p.providerClass()).isEqualTo("plug.c.CPlugin");
            assertThat(p.reason()).contains("availability()").contains("NoClassDefFoundError")
                    .contains("plug/c/Native").contains("LinkageError");
        });
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.location()).isEqualTo(missing.toString());
            assertThat(p.providerClass()).isEqualTo("plug.x.Gone");
            assertThat(p.reason()).contains("not found");
        });
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.location()).isEqualTo(empty.toString());
            assertThat(p.reason()).contains("provides no");
        });
        assertThat(r.problems()).hasSize(4);
    }

    @Test
    void twoPluginsWithOneNameAreAHardErrorNamingBothJars(@TempDir Path work) throws Exception {
        Path classes = compile(work, Map.of(
                "plug.a.APlugin", provider("plug.a", "APlugin", "plug-dup", 0x2C, ""),
                "plug.d.DPlugin", provider("plug.d", "DPlugin", "plug-dup", 0x32, "")));
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path a = jar(plugins, "first.jar", classes, List.of("plug.a.APlugin"), "plug.a.APlugin\n", null);
        Path d = jar(plugins, "second.jar", classes, List.of("plug.d.DPlugin"), "plug.d.DPlugin\n", null);
        assertThatThrownBy(() -> MethodRegistry.discover(plugins))
                .isInstanceOf(MultifdException.class)
                .hasMessageContaining("plug-dup")
                .hasMessageContaining("plug.a.APlugin").hasMessageContaining(a.toString())
                .hasMessageContaining("plug.d.DPlugin").hasMessageContaining(d.toString());
    }

    @Test
    void aPluginMayNotTakeABuiltInName(@TempDir Path work) throws Exception {
        Path classes = compile(work, Map.of(
                "plug.z.Fake", provider("plug.z", "Fake", "zstd", 0x04, "")));
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        jar(plugins, "fake-zstd.jar", classes, List.of("plug.z.Fake"), "plug.z.Fake\n", null);
        MethodRegistry r = MethodRegistry.discover(plugins);
        assertThat(r.find("zstd")).isEmpty();
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.reason())
                .contains("reserved for the built-in classes io.multifd.method.zstd"));
    }

    @Test
    void aMissingPluginsFolderIsAnError(@TempDir Path work) {
        assertThatThrownBy(() -> MethodRegistry.discover(work.resolve("nope")))
                .isInstanceOf(MultifdException.class).hasMessageContaining("not a directory");
    }

    @Test
    void anEmptyPluginsFolderAddsNothing(@TempDir Path work) throws Exception {
        MethodRegistry r = MethodRegistry.discover(work);
        assertThat(r.names()).containsExactlyElementsOf(MethodRegistry.discover().names());
        try (Stream<Path> s = Files.list(work)) {
            assertThat(s).isEmpty();
        }
    }
}
