package io.multifd.method.qpl;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The provider: its description, both registrations, availability, engines and path choice.
 */
class QplMethodProviderTests {

    @Test
    void describesTheQemuQplMethod() {
        QplMethodProvider p = new QplMethodProvider();
        assertThat(p.name()).isEqualTo("qpl");
        assertThat(p.flag()).isEqualTo(MethodFlag.QPL);
        assertThat(p.flag().value()).isEqualTo(0x08);
        assertThat(p.apiVersion()).isEqualTo(MultifdApi.API_VERSION);
        assertThat(p.parameters()).singleElement().satisfies(param -> {
            assertThat(param.name()).isEqualTo("path");
            assertThat(param.choices()).containsExactly("hardware", "software", "auto", "java");
            assertThat(param.defaultValue()).isEqualTo("auto");
        });
    }

    @Test
    void moduleInfoAndServicesFileRegisterTheSameProvider() throws IOException, URISyntaxException {
        Path classes = Path.of(QplMethodProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor descriptor;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            descriptor = ModuleDescriptor.read(in);
        }
        assertThat(descriptor.name()).isEqualTo("io.multifd.method.qpl");
        assertThat(descriptor.exports()).isEmpty();
        assertThat(descriptor.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(MethodProvider.class.getName());
            assertThat(p.providers()).containsExactly(QplMethodProvider.class.getName());
        });
        List<String> services = Files.readAllLines(
                classes.resolve("META-INF/services/" + MethodProvider.class.getName()), StandardCharsets.UTF_8)
                .stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(services).containsExactlyElementsOf(descriptor.provides().iterator().next().providers());
    }

    @Test
    void serviceLoaderFindsTheProviderOnTheClassPath() {
        assertThat(ServiceLoader.load(MethodProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(QplMethodProvider.class);
    }

    @Test
    void availabilityIsFullWithLibqpl() {
        QplTestSupport.requireLibqpl();
        assertThat(new QplMethodProvider().availability()).isEqualTo(Availability.full());
    }

    @Test
    void availabilityIsDecodeOnlyWithTheSearchedPathWhenLibqplIsMissing() {
        Path missing = Path.of("/nonexistent/dir/libqpl.so");
        Availability a = QplTestSupport.missingLibqplProvider(missing).availability();
        assertThat(a.canEncode()).isFalse();
        assertThat(a.canDecode()).isTrue();
        assertThat(a.reason())
                .contains("system property multifd.qpl.library=/nonexistent/dir/libqpl.so: no such file")
                .contains("path=java")
                .contains("java.util.zip.Inflater");
        assertThat(a.toString()).startsWith("decode only (libqpl could not be loaded");
    }

    @Test
    void engineSaysWhichEngineEncodes() throws MultifdException {
        QplLibrary.Load load = QplTestSupport.requireLibqpl();
        QplMethodProvider p = new QplMethodProvider();
        assertThat(QplTestSupport.resolve(p, "java").method().engine())
                .isEqualTo("java.util.zip Deflater (level 1, raw deflate); path=java");
        assertThat(QplTestSupport.resolve(p, "software").method().engine())
                .isEqualTo("libqpl " + load.version() + " software path; path=software");
        String auto = QplTestSupport.resolve(p, "auto").method().engine();
        if (load.hardwareWorks()) {
            assertThat(auto).startsWith("libqpl " + load.version() + " hardware path (IAA)");
        } else {
            assertThat(auto).isEqualTo("libqpl " + load.version() + " software path; path=auto (hardware path: "
                    + QplJobLayout.describe(load.hardwareStatus()) + ")");
        }
        assertThat(QplTestSupport.resolve(QplTestSupport.missingLibqplProvider(Path.of("/missing.so")), "auto")
                .method().engine()).isEqualTo("none: libqpl is not loaded, path=auto cannot encode (decoding uses "
                + "java.util.zip Inflater)");
    }

    @Test
    void hardwarePathFailsSetupWithTheStatusWhenThereIsNoIaa() throws MultifdException {
        QplLibrary.Load load = QplTestSupport.requireLibqpl();
        Assumptions.assumeFalse(load.hardwareWorks(), "this machine has a usable IAA device");
        ResolvedMethod m = QplTestSupport.resolve(new QplMethodProvider(), "hardware");
        assertThatThrownBy(() -> QplTestSupport.send(m, 4096, QplTestSupport.directPages(
                List.of(PageKind.TEXT.page(4096, 1)))))
                .isInstanceOfSatisfying(MultifdException.class, e -> {
                    assertThat(e.field()).contains("path");
                    assertThat(e.channel()).hasValue(0);
                    assertThat(e.getMessage()).contains("path=hardware needs an Intel IAA device")
                            .contains("qpl_init_job(qpl_path_hardware) returned "
                                    + QplJobLayout.describe(load.hardwareStatus()));
                });
    }

    @Test
    void anUnknownPathIsRefusedBeforeCreate() {
        assertThatThrownBy(() -> QplTestSupport.resolve(new QplMethodProvider(), "gpu"))
                .isInstanceOfSatisfying(MultifdException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("method qpl, field path: parameter path is 'gpu', expected one of "
                                + "[hardware, software, auto, java]"));
    }

    @Test
    void maxPayloadSizeIsTheTableAndEveryPageRaw() {
        QplMethod m = new QplMethod(QplPath.JAVA, QplLibrary.load(List.of()));
        assertThat(m.maxPayloadSize(0, 4096)).isZero();
        assertThat(m.maxPayloadSize(1, 4096)).isEqualTo(4 + 4096);
        assertThat(m.maxPayloadSize(128, 4096)).isEqualTo(128 * 4 + 128 * 4096);
        assertThat(m.maxPayloadSize(512, 1024)).isEqualTo(512 * 4 + 512 * 1024);
    }

    @Test
    void parameterDescriptionNamesEveryChoice() {
        MethodParameter path = new QplMethodProvider().parameters().get(0);
        assertThat(path.description()).contains("auto").contains("hardware").contains("software").contains("java");
    }
}
