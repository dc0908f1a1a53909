package io.multifd.method.zstd;

import static org.assertj.core.api.Assertions.assertThat;

import io.multifd.api.MethodProvider;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The two registrations of the provider (rule 4, {@link MethodProvider}) agree: module-info's
 * {@code provides ... with} (source and compiled descriptor) and the services file.
 */
class ZstdDeclarationsTests {

    private static final Class<?> PROVIDER = ZstdMethodProvider.class;
    private static final String MODULE = "io.multifd.method.zstd";
    private static final String SERVICE = MethodProvider.class.getName();

    private static Path classesDir() throws URISyntaxException {
        return Path.of(PROVIDER.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<String> servicesFile() throws IOException, URISyntaxException {
        Path file = classesDir().resolve("META-INF/services/" + SERVICE);
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(l -> l.replaceAll("#.*", "").trim())
                .filter(l -> !l.isEmpty())
                .toList();
    }

    private static ModuleDescriptor compiledDescriptor() throws URISyntaxException {
        Set<ModuleReference> found = ModuleFinder.of(classesDir()).findAll();
        assertThat(found).hasSize(1);
        return found.iterator().next().descriptor();
    }

    @Test
    void compiledDescriptorProvidesExactlyTheServicesFileClasses() throws Exception {
        ModuleDescriptor d = compiledDescriptor();
        assertThat(d.name()).isEqualTo(MODULE);
        List<String> provided = d.provides().stream()
                .filter(p -> p.service().equals(SERVICE))
                .flatMap(p -> p.providers().stream())
                .toList();
        assertThat(provided).containsExactlyElementsOf(servicesFile());
        assertThat(provided).containsExactly(PROVIDER.getName());
        assertThat(d.provides()).hasSize(1);
    }

    @Test
    void compiledDescriptorExportsNothingAndRequiresTheApi() throws Exception {
        ModuleDescriptor d = compiledDescriptor();
        assertThat(d.exports()).isEmpty();
        assertThat(d.opens()).isEmpty();
        assertThat(d.requires().stream().map(ModuleDescriptor.Requires::name)).contains("io.multifd.api");
        assertThat(d.packages()).contains(PROVIDER.getPackageName());
        assertThat(PROVIDER.getPackageName()).isEqualTo(MODULE);
    }

    @Test
    void sourceModuleInfoProvidesExactlyTheServicesFileClasses() throws Exception {
        Path source = Path.of(System.getProperty("basedir", "."), "src/main/java/module-info.java");
        String text = Files.readString(source).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        Matcher m = Pattern.compile("provides\\s+([\\w.]+)\\s+with\\s+([^;]+);").matcher(text);
        List<String> provided = new ArrayList<>();
        while (m.find()) {
            assertThat(m.group(1)).isEqualTo(SERVICE);
            Arrays.stream(m.group(2).split(",")).map(String::trim).forEach(provided::add);
        }
        assertThat(provided).containsExactlyElementsOf(servicesFile());
        assertThat(text).doesNotContain("exports").doesNotContain("opens");
    }

    @Test
    void serviceLoaderOnTheClassPathFindsTheProvider() {
        List<String> found = ServiceLoader.load(MethodProvider.class).stream()
                .map(p -> p.type().getName())
                .collect(Collectors.toList());
        assertThat(found).containsExactly(PROVIDER.getName());
    }
}
