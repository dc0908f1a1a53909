package io.multifd.tck;

import io.multifd.api.MethodProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rule 4.1's registration check on the class path: a modular jar or classes folder whose
 * {@code module-info.class} and {@code META-INF/services} name different providers is refused,
 * as is one whose descriptor lacks the provider. The providers are compiled here into a module
 * of their own, so each case has exactly the two lists it names.
 */
class RegistrationCheckTests {

    private static final String SERVICES = "META-INF/services/" + MethodProvider.class.getName();
    private static final String DEMO = "demo.m.DemoProvider";
    private static final String OTHER = "demo.m.OtherProvider";

    @TempDir
    Path dir;

    @Test
    void aFolderWhoseTwoListsAgreePasses() throws Exception {
        Path classes = compile("provides io.multifd.api.MethodProvider with demo.m.DemoProvider, demo.m.OtherProvider;",
                DEMO + "\n# a comment\n" + OTHER + "\n");
        assertThatCode(() -> ProviderChecks.registration(load(classes, DEMO))).doesNotThrowAnyException();
    }

    @Test
    void aServicesFileListingMoreThanTheDescriptorProvidesFails() throws Exception {
        Path classes = compile("provides io.multifd.api.MethodProvider with demo.m.DemoProvider;",
                DEMO + "\n" + OTHER + "\n");
        assertThatThrownBy(() -> ProviderChecks.registration(load(classes, DEMO)))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("rule 4.1 (")
                .hasMessageContaining("broken by method demo: the two registrations in ")
                .hasMessageContaining("module demo.m provides io.multifd.api.MethodProvider with [" + DEMO + "]")
                .hasMessageContaining("lists [" + DEMO + ", " + OTHER + "]");
    }

    @Test
    void aDescriptorWithoutTheProviderFailsAlsoInAJar() throws Exception {
        Path classes = compile("provides io.multifd.api.MethodProvider with demo.m.OtherProvider;", DEMO + "\n");
        Path jar = jar(classes);
        assertThatThrownBy(() -> ProviderChecks.registration(load(jar, DEMO)))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("rule 4.1 (")
                .hasMessageContaining("(module demo.m) does not declare 'provides io.multifd.api.MethodProvider with "
                        + DEMO + "'");
    }

    @Test
    void aJarWhoseDescriptorProvidesAClassTheServicesFileLacksFails() throws Exception {
        Path classes = compile("provides io.multifd.api.MethodProvider with demo.m.DemoProvider, demo.m.OtherProvider;",
                DEMO + "\n");
        Path jar = jar(classes);
        assertThatThrownBy(() -> ProviderChecks.registration(load(jar, DEMO)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("the two registrations in file:").hasMessageContaining("demo.jar differ: module demo.m provides")
                .hasMessageContaining("lists [" + DEMO + "]");
    }

    /** Compiles module demo.m with two providers, then writes the services file. */
    private Path compile(String provides, String servicesFile) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/demo/m"));
        for (String name : List.of("DemoProvider", "OtherProvider")) {
            Files.writeString(src.resolve(name + ".java"), """
                    package demo.m;

                    public final class %s implements io.multifd.api.MethodProvider {
                        public %s() {
                        }

                        public String name() {
                            return "%s";
                        }

                        public io.multifd.api.MethodFlag flag() {
                            return io.multifd.api.MethodFlag.privateFlag(0x%s);
                        }

                        public int apiVersion() {
                            return io.multifd.api.MultifdApi.API_VERSION;
                        }

                        public io.multifd.api.MultifdMethod create(io.multifd.api.MethodSettings settings) {
                            throw new UnsupportedOperationException();
                        }
                    }
                    """.formatted(name, name, name.equals("DemoProvider") ? "demo" : "other",
                    name.equals("DemoProvider") ? "3A" : "3C"));
        }
        Path info = dir.resolve("src/module-info.java");
        Files.writeString(info, "module demo.m {\n    requires io.multifd.api;\n    " + provides + "\n}\n");
        Path out = Files.createDirectories(dir.resolve("classes"));
        Path api = Path.of(MethodProvider.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac: run on a JDK"));
        StringWriter errors = new StringWriter();
        PrintWriter err = new PrintWriter(errors);
        int rc = javac.run(err, err, "--module-path", api.toString(), "-d", out.toString(), info.toString(),
                src.resolve("DemoProvider.java").toString(), src.resolve("OtherProvider.java").toString());
        err.flush();
        assertThat(rc).as(errors.toString()).isZero();
        assertThat(out.resolve("module-info.class")).exists();
        Path services = out.resolve(SERVICES);
        Files.createDirectories(services.getParent());
        Files.writeString(services, servicesFile);
        return out;
    }

    private Path jar(Path classes) throws IOException {
        Path jar = dir.resolve("demo.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> all = Files.walk(classes)) {
            for (Path p : all.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Loads the provider from a class path entry of its own, in the unnamed module. */
    private static MethodProvider load(Path entry, String type) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {entry.toUri().toURL()},
                RegistrationCheckTests.class.getClassLoader());
        MethodProvider provider = (MethodProvider) loader.loadClass(type).getConstructor().newInstance();
        assertThat(provider.getClass().getModule().isNamed()).isFalse();
        return provider;
    }
}
