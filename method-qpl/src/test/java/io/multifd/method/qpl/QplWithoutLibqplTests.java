package io.multifd.method.qpl;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelSender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The method on a machine without libqpl (the library setting points at a missing file): it
 * decodes with java.util.zip, encodes with path=java, and refuses the libqpl paths with the
 * loader's reason. Needs no libqpl, so it runs everywhere.
 */
class QplWithoutLibqplTests {

    private static final int PAGE = 4096;

    private static List<byte[]> pages() {
        List<byte[]> pages = new ArrayList<>();
        long seed = 11;
        for (PageKind k : PageKind.values()) {
            pages.add(k.page(PAGE, seed++));
            pages.add(k.page(PAGE, seed++));
        }
        return pages;
    }

    @Test
    void decodesAndEncodesWithJavaOnly(@TempDir Path dir) throws MultifdException {
        QplMethodProvider provider = QplTestSupport.missingLibqplProvider(dir.resolve("libqpl.so"));
        List<byte[]> pages = pages();
        QplTestSupport.Encoded sent = QplTestSupport.send(QplTestSupport.resolve(provider, "java"), PAGE,
                QplTestSupport.directPages(pages));
        QplTestSupport.Decoded got = QplTestSupport.receive(QplTestSupport.resolve(provider, "auto"), PAGE,
                pages.size(), sent.stream());
        for (int i = 0; i < pages.size(); i++) {
            assertThat(got.page(i)).as("page %d", i).isEqualTo(pages.get(i));
        }
        // 16 pages, 2 of them zero; the random pages cannot shrink
        assertThat(sent.counters().get("java_pages") + sent.counters().get("raw_pages")).isEqualTo(14);
        assertThat(sent.counters().get("raw_pages")).isGreaterThanOrEqualTo(2);
        assertThat(got.counters()).containsEntry("java_pages", sent.counters().get("java_pages"))
                .containsEntry("raw_pages", sent.counters().get("raw_pages"))
                .containsEntry("software_pages", 0L).containsEntry("hardware_pages", 0L);
    }

    @Test
    void theLibqplPathsRefuseToEncodeNamingTheMissingFile(@TempDir Path dir) throws MultifdException {
        Path missing = dir.resolve("libqpl.so");
        QplMethodProvider provider = QplTestSupport.missingLibqplProvider(missing);
        for (String path : List.of("auto", "software", "hardware")) {
            ResolvedMethod m = QplTestSupport.resolve(provider, path);
            assertThatThrownBy(() -> QplTestSupport.send(m, PAGE, QplTestSupport.directPages(pages())))
                    .isInstanceOfSatisfying(MultifdException.class, e -> {
                        assertThat(e.field()).hasValue("path");
                        assertThat(e.detail()).startsWith("path=" + path + " needs libqpl to encode: libqpl could not "
                                + "be loaded").contains("multifd.qpl.library=" + missing + ": no such file");
                    });
        }
    }

    @Test
    void cleanupAfterAFailedSetupLeavesNothingBehindAndMayRepeat(@TempDir Path dir) throws MultifdException {
        ResolvedMethod m = QplTestSupport.resolve(QplTestSupport.missingLibqplProvider(dir.resolve("x.so")), "software");
        // ChannelSender.setup() runs sendCleanup after the failure and checks the state slot is empty (rule 1.5)
        assertThatThrownBy(() -> QplTestSupport.send(m, PAGE, List.of())).isInstanceOf(MultifdException.class)
                .hasMessageNotContaining("rule 1.5");
    }

    @Test
    void cleanupEmptiesTheStateSlotAndIsHarmlessWhenRepeated(@TempDir Path dir) throws MultifdException {
        ResolvedMethod m = QplTestSupport.resolve(QplTestSupport.missingLibqplProvider(dir.resolve("x.so")), "java");
        ChannelSender sender = new ChannelSender(m, 0, PAGE, Channels.newChannel(new ByteArrayOutputStream()),
                new AtomicLong(), true);
        sender.setup();
        assertThat(sender.state()).isNotNull();
        assertThat(sender.iovSlots()).isEqualTo(1);
        m.method().sendCleanup(sender);
        assertThat(sender.state()).isNull();
        m.method().sendCleanup(sender);
        assertThat(sender.state()).isNull();
        assertThat(m.method().counters(sender)).isEmpty();
        sender.close();
    }
}
