package io.multifd.core.registry;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class MethodRegistryTests {

    static final String SERVICES = "META-INF/services/io.multifd.api.MethodProvider";

    static Path testClasses() throws Exception {
        return Path.of(TestProviders.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** A loader that adds one folder's service file to the test class path. */
    static URLClassLoader withServices(Path dir) throws Exception {
        return new URLClassLoader(new URL[]{dir.toUri().toURL()}, MethodRegistryTests.class.getClassLoader());
    }

    @Test
    void findsTheProvidersOfTheClassPathServiceFile() throws Exception {
        MethodRegistry r = MethodRegistry.discover();
        DiscoveredMethod good = r.find("test-good").orElseThrow();
        assertThat(good.flag()).isEqualTo(MethodFlag.of(0x3A));
        assertThat(good.version()).isEqualTo("1.2.3");
        assertThat(good.providerClass()).isEqualTo(TestProviders.Good.class.getName());
        assertThat(good.origin()).isEqualTo(DiscoveredMethod.Origin.CLASS_PATH);
        assertThat(Path.of(good.location())).isEqualTo(testClasses());
        assertThat(good.parameters()).extracting(p -> p.name()).containsExactly("level");
        assertThat(good.availability().isFull()).isTrue();

        DiscoveredMethod un = r.find("test-unavailable").orElseThrow();
        assertThat(un.canDecode()).isFalse();
        assertThat(un.availability().reason()).contains("libtest.so not found");
        assertThat(r.problems()).isEmpty();

        assertThat(r.discoveryLog()).hasSize(2);
        assertThat(r.discoveryLog().get(0)).contains("test-good").contains("0x3A").contains("1.2.3")
                .contains(testClasses().toString());
        assertThat(r.discoveryLog().get(1)).contains("test-unavailable").contains("libtest.so");
    }

    @Test
    void everyBrokenProviderIsReportedWithItsLocationClassAndCauseAndHidesNoOther() throws Exception {
        Path brokenDir = Path.of(MethodRegistryTests.class.getResource("/broken-providers").toURI());
        MethodRegistry r;
        try (URLClassLoader loader = withServices(brokenDir)) {
            r = MethodRegistry.discover(loader);
        }
        assertThat(r.names()).containsExactly("test-good", "test-oldest-api", "test-unavailable");
        Map<String, String> expected = Map.ofEntries(
                Map.entry("TestProviders$ThrowingConstructor", "boom in the constructor"),
                Map.entry("io.multifd.core.registry.DoesNotExist", "not found"),
                Map.entry("TestProviders$BadName", "'Bad_Name' does not match"),
                Map.entry("TestProviders$ApiMismatch", "API version 99, but this framework has API version " + MultifdApi.API_VERSION
                        + " and runs methods of " + MultifdApi.OLDEST_SUPPORTED_API_VERSION + ".." + MultifdApi.API_VERSION),
                Map.entry("TestProviders$ApiTooOld", "API version " + (MultifdApi.OLDEST_SUPPORTED_API_VERSION - 1)
                        + ", but this framework"),
                Map.entry("TestProviders$ThrowingName", "no name today"),
                Map.entry("TestProviders$ThrowingAvailability", "probe crashed"),
                Map.entry("TestProviders$Squatter", "reserved for the built-in classes io.multifd.method.zlib"),
                Map.entry("TestProviders$FlagThief", "belongs to QEMU's zstd"),
                Map.entry("TestProviders$NoPublicConstructor", "no-arg constructor"),
                Map.entry("TestProviders$NotAProvider", "not a subtype"),
                Map.entry("TestProviders$NullFlag", "flag() returned null"));
        assertThat(r.problems()).hasSize(expected.size());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(r.problems()).as(e.getKey()).anySatisfy(p -> {
                assertThat(p.providerClass()).endsWith(e.getKey());
                assertThat(p.reason()).contains(e.getValue());
            });
        }
        for (ProviderProblem p : r.problems()) {
            assertThat(p.location()).as(p.providerClass()).isIn(brokenDir.toString(), testClasses().toString());
        }
        assertThat(r.problems()).filteredOn(p -> p.providerClass().endsWith("DoesNotExist"))
                .allSatisfy(p -> assertThat(p.location()).isEqualTo(brokenDir.toString()));
        assertThat(r.problems()).filteredOn(p -> p.providerClass().endsWith("ThrowingConstructor"))
                .allSatisfy(p -> assertThat(p.cause()).isNotNull());
        assertThat(r.discoveryLog()).hasSize(expected.size() + 3);
        assertThat(r.discoveryLog()).filteredOn(l -> l.contains("skipped")).hasSize(expected.size());
    }

    @Test
    void aDuplicateNameIsAHardErrorNamingBothClassesAndLocations(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(SERVICES).getParent());
        Files.writeString(dir.resolve(SERVICES), TestProviders.NameTwin.class.getName() + "\n");
        try (URLClassLoader loader = withServices(dir)) {
            assertThatThrownBy(() -> MethodRegistry.discover(loader))
                    .isInstanceOf(MultifdException.class)
                    .hasMessageContaining("test-good")
                    .hasMessageContaining(TestProviders.Good.class.getName())
                    .hasMessageContaining(TestProviders.NameTwin.class.getName())
                    .hasMessageContaining(testClasses().toString())
                    .satisfies(e -> assertThat(((MultifdException) e).field()).contains("name"));
        }
    }

    @Test
    void aDuplicateFlagIsAHardErrorNamingBothClasses(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(SERVICES).getParent());
        Files.writeString(dir.resolve(SERVICES), TestProviders.FlagTwin.class.getName() + "\n");
        try (URLClassLoader loader = withServices(dir)) {
            assertThatThrownBy(() -> MethodRegistry.discover(loader))
                    .isInstanceOf(MultifdException.class)
                    .hasMessageContaining("0x3A")
                    .hasMessageContaining(TestProviders.Good.class.getName())
                    .hasMessageContaining(TestProviders.FlagTwin.class.getName())
                    .satisfies(e -> assertThat(((MultifdException) e).field()).contains("flag"));
        }
    }

    @Test
    void theSameProviderSeenTwiceIsListedOnce(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(SERVICES).getParent());
        Files.writeString(dir.resolve(SERVICES), TestProviders.Good.class.getName() + "\n");
        try (URLClassLoader loader = withServices(dir)) {
            assertThat(MethodRegistry.discover(loader).names()).containsExactly("test-good", "test-unavailable");
        }
    }

    @Test
    void lookupsGoByNameOrFlagAndCheckTheDirection() throws Exception {
        MethodRegistry r = MethodRegistry.discover();
        assertThat(r.find("TEST-GOOD")).isEmpty();
        assertThat(r.find("../../etc/passwd")).isEmpty();
        assertThat(r.find(null)).isEmpty();
        assertThat(r.findByFlag(MethodFlag.of(0x3C)).map(DiscoveredMethod::name)).contains("test-unavailable");

        ResolvedMethod m = r.resolve("test-good", Map.of("level", "7"), MethodRegistry.Use.BOTH);
        assertThat(m.name()).isEqualTo("test-good");
        assertThat(m.settings().intValue("level")).isEqualTo(7);
        assertThat(r.resolve(MethodFlag.of(0x3A), Map.of(), MethodRegistry.Use.DECODE).settings().intValue("level"))
                .isEqualTo(1);

        assertThatThrownBy(() -> r.resolve("test-good", Map.of("level", "12"), MethodRegistry.Use.BOTH))
                .isInstanceOf(MultifdException.class).hasMessageContaining("1..9");
        assertThatThrownBy(() -> r.require("nosuch", MethodRegistry.Use.DECODE))
                .isInstanceOf(MethodUnavailableException.class)
                .hasMessageContaining("no method named 'nosuch'").hasMessageContaining("test-good");
        assertThatThrownBy(() -> r.require("Evil.Class", MethodRegistry.Use.DECODE))
                .isInstanceOf(MethodUnavailableException.class).hasMessageContaining("not a method name");
        assertThatThrownBy(() -> r.require("test-unavailable", MethodRegistry.Use.DECODE))
                .isInstanceOf(MethodUnavailableException.class)
                .hasMessageContaining("cannot decode").hasMessageContaining("libtest.so not found");
        assertThatThrownBy(() -> r.require(MethodFlag.of(0x2E), MethodRegistry.Use.DECODE))
                .isInstanceOf(MethodUnavailableException.class)
                .hasMessageContaining("0x2E").hasMessageContaining("test-good 0x3A");
    }

    @Test
    void givenProvidersAreCheckedByTheSameRules() throws Exception {
        MethodRegistry r = MethodRegistry.of(List.of(new TestProviders.Good(), new TestProviders.BadName()));
        assertThat(r.names()).containsExactly("test-good");
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.reason()).contains("Bad_Name"));
        assertThatThrownBy(() -> MethodRegistry.of(List.of(new TestProviders.Good(), new TestProviders.FlagTwin())))
                .isInstanceOf(MultifdException.class).hasMessageContaining("same wire flag");
    }

    @Test
    void findingNothingIsLogged() throws Exception {
        // on the class path the boot layer holds only JDK modules: no provider there
        MethodRegistry r = MethodRegistry.discover(ModuleLayer.boot());
        assertThat(r.methods()).isEmpty();
        assertThat(r.discoveryLog()).singleElement().satisfies(l -> assertThat(l).contains("no multifd method found"));
    }
}
