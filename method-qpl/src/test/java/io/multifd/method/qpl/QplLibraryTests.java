package io.multifd.method.qpl;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding, loading and checking libqpl, and the qpl_job layout against the real header.
 */
class QplLibraryTests {

    @Test
    void theConfiguredLibraryLoadsAndPassesItsSelfCheck() {
        QplLibrary.Load load = QplTestSupport.requireLibqpl();
        assertThat(load.version()).matches("\\d+\\.\\d+(\\.\\d+)?.*");
        assertThat(load.reason()).isEmpty();
        assertThat(load.tried()).last().asString().contains("loaded");
        System.out.println("libqpl " + load.version() + " from " + load.location() + "; hardware path: "
                + (load.hardwareWorks() ? "available" : QplJobLayout.describe(load.hardwareStatus())));
    }

    /**
     * The offsets hard-coded in {@link QplJobLayout} against {@code offsetof} from the headers of
     * the libqpl-dev that scripts/provision-qpl.sh unpacked (it writes
     * {@code qpl-job-layout.properties} beside the library).
     */
    @Test
    void jobLayoutMatchesOffsetofFromTheRealHeader() throws IOException {
        QplLibrary.Load load = QplTestSupport.requireLibqpl();
        Path layoutFile = Path.of(load.location()).resolveSibling("qpl-job-layout.properties");
        assertThat(layoutFile).as("written by scripts/provision-qpl.sh beside %s", load.location()).isRegularFile();
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(layoutFile)) {
            p.load(in);
        }
        assertThat(Integer.parseInt(p.getProperty("sizeof"))).isEqualTo(QplJobLayout.SIZEOF);
        assertThat(Integer.parseInt(p.getProperty("next_in_ptr"))).isEqualTo(QplJobLayout.NEXT_IN_PTR);
        assertThat(Integer.parseInt(p.getProperty("available_in"))).isEqualTo(QplJobLayout.AVAILABLE_IN);
        assertThat(Integer.parseInt(p.getProperty("total_in"))).isEqualTo(QplJobLayout.TOTAL_IN);
        assertThat(Integer.parseInt(p.getProperty("next_out_ptr"))).isEqualTo(QplJobLayout.NEXT_OUT_PTR);
        assertThat(Integer.parseInt(p.getProperty("available_out"))).isEqualTo(QplJobLayout.AVAILABLE_OUT);
        assertThat(Integer.parseInt(p.getProperty("total_out"))).isEqualTo(QplJobLayout.TOTAL_OUT);
        assertThat(Integer.parseInt(p.getProperty("op"))).isEqualTo(QplJobLayout.OP);
        assertThat(Integer.parseInt(p.getProperty("flags"))).isEqualTo(QplJobLayout.FLAGS);
        assertThat(Integer.parseInt(p.getProperty("level"))).isEqualTo(QplJobLayout.LEVEL);
    }

    @Test
    void aMissingFileIsReportedWithItsPathAndNothingElseIsTried(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-libqpl.so");
        QplLibrary.Load load = QplLibrary.load(QplLibrary.defaultCandidates(missing.toString(), null, dir));
        assertThat(load.loaded()).isFalse();
        assertThat(load.tried()).containsExactly(
                "system property multifd.qpl.library=" + missing + ": no such file");
        assertThat(load.reason())
                .startsWith("libqpl could not be loaded, so qpl cannot encode except with path=java")
                .contains("decoding works with java.util.zip.Inflater")
                .contains("scripts/provision-qpl.sh")
                .endsWith("Tried: system property multifd.qpl.library=" + missing + ": no such file");
        assertThat(load.hardwareWorks()).isFalse();
    }

    @Test
    void aFileThatIsNoLibraryIsReportedWithTheLoadersMessage(@TempDir Path dir) throws IOException {
        Path bogus = Files.writeString(dir.resolve("libqpl.so"), "not an ELF file");
        QplLibrary.Load load = QplLibrary.load(QplLibrary.defaultCandidates(null, bogus.toString(), dir));
        assertThat(load.loaded()).isFalse();
        assertThat(load.tried()).singleElement().asString()
                .startsWith("environment variable MULTIFD_QPL_LIBRARY=" + bogus + ": ")
                .doesNotContain("no such file")
                .contains(bogus.toString());
        assertThat(load.reason()).contains(bogus.toString());
    }

    @Test
    void theDefaultSearchIsTheLibraryNamesThenTheProjectFolder(@TempDir Path dir) {
        List<QplLibrary.Candidate> candidates = QplLibrary.defaultCandidates(null, "  ", dir);
        assertThat(candidates).extracting(QplLibrary.Candidate::toString).containsExactly(
                "library name qpl",
                "library name libqpl.so.1",
                "project library " + dir.resolve(".qpl/lib/libqpl.so"));
    }

    @Test
    void thePropertyWinsOverTheEnvironmentVariable(@TempDir Path dir) {
        assertThat(QplLibrary.defaultCandidates("/a/libqpl.so", "/b/libqpl.so", dir))
                .extracting(QplLibrary.Candidate::toString)
                .containsExactly("system property multifd.qpl.library=/a/libqpl.so");
    }

    @Test
    void hardwareInitialisationFailsCleanlyWithoutAnIaaDevice() {
        QplLibrary.Load load = QplTestSupport.requireLibqpl();
        Assumptions.assumeFalse(load.hardwareWorks(), "this machine has a usable IAA device");
        QplStatusException e = Assertions.assertThrows(QplStatusException.class,
                () -> QplJob.create(QplJobLayout.PATH_HARDWARE));
        assertThat(e.status()).isEqualTo(load.hardwareStatus()).isGreaterThanOrEqualTo(500);
        assertThat(e.getMessage()).startsWith("qpl_init_job(qpl_path_hardware) returned status 50");
    }
}
