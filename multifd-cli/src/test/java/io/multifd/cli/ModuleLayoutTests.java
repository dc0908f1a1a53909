package io.multifd.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The architecture of the project, read from the module descriptors of the built jars on this
 * test's class path: api knows nothing of the rest, methods depend on api only (plus their own
 * codec library), core depends on api only, the CLI sits on top; a method module exports and opens
 * nothing and provides exactly one {@code MethodProvider}. A new {@code requires} or
 * {@code exports} that breaks a layer fails here.
 */
class ModuleLayoutTests {

    private static final String API = "io.multifd.api";
    private static final Map<String, Set<String>> METHODS = Map.of(
            "io.multifd.method.none", Set.of(),
            "io.multifd.method.zlib", Set.of(),
            "io.multifd.method.zstd", Set.of("com.github.luben.zstd_jni"),
            "io.multifd.method.qpl", Set.of("com.sun.jna"));

    /** Our modules (name starts with io.multifd) found on the class path, by name. */
    private static Map<String, ModuleDescriptor> ours() {
        Path[] entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank()).map(Path::of).filter(Files::exists)
                .filter(p -> !p.getFileName().toString().equals("test-classes")).toArray(Path[]::new);
        Map<String, ModuleDescriptor> found = new TreeMap<>();
        for (ModuleReference r : ModuleFinder.of(entries).findAll()) {
            ModuleDescriptor d = r.descriptor();
            if (d.name().startsWith("io.multifd.")) {
                found.put(d.name(), d);
            }
        }
        return found;
    }

    /** @return the modules of ours a module requires (java.* and libraries left out) */
    private static Set<String> requiresOurs(ModuleDescriptor d) {
        return d.requires().stream().map(ModuleDescriptor.Requires::name).filter(n -> n.startsWith("io.multifd."))
                .collect(Collectors.toSet());
    }

    @Test
    void everyModuleIsFoundWithItsDescriptor() {
        assertThat(ours()).containsKeys(API, "io.multifd.core", "io.multifd.tck", "io.multifd.cli")
                .containsKeys(METHODS.keySet().toArray(String[]::new));
    }

    @Test
    void apiRequiresNoneOfOurModules() {
        ModuleDescriptor api = ours().get(API);
        assertThat(requiresOurs(api)).isEmpty();
        assertThat(api.requires()).allSatisfy(r -> assertThat(r.name()).startsWith("java."));
    }

    @Test
    void coreRequiresTheApiOnly() {
        assertThat(requiresOurs(ours().get("io.multifd.core"))).containsExactly(API);
    }

    @Test
    void methodModulesRequireTheApiAndTheirCodecOnlyExportNothingAndProvideOneMethod() {
        Map<String, ModuleDescriptor> ours = ours();
        METHODS.forEach((name, codecs) -> {
            ModuleDescriptor d = ours.get(name);
            assertThat(requiresOurs(d)).as(name).containsExactly(API);
            Set<String> libraries = d.requires().stream().map(ModuleDescriptor.Requires::name)
                    .filter(n -> !n.startsWith("java.") && !n.startsWith("io.multifd.")).collect(Collectors.toSet());
            assertThat(libraries).as(name + " libraries").isEqualTo(codecs);
            assertThat(d.exports()).as(name + " exports").isEmpty();
            assertThat(d.opens()).as(name + " opens").isEmpty();
            assertThat(d.isOpen()).as(name + " is an open module").isFalse();
            assertThat(d.provides()).as(name + " provides").singleElement()
                    .satisfies(p -> assertThat(p.service()).isEqualTo("io.multifd.api.MethodProvider"))
                    .satisfies(p -> assertThat(p.providers()).hasSize(1));
        });
    }

    @Test
    void noModuleButTheCliRequiresTheCliAndNothingRequiresAMethod() {
        ours().forEach((name, d) -> {
            assertThat(requiresOurs(d)).as(name).doesNotContain("io.multifd.cli")
                    .doesNotContainAnyElementsOf(METHODS.keySet());
        });
    }
}
