package io.multifd.cli;

import io.multifd.core.testing.MiniJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code multifd methods} through picocli. */
@Timeout(60)
class MethodsCommandTests {

    @Test
    void listsTheBuiltInMethodsWithTheirFlags() {
        CliRun r = CliRun.of("methods");
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("NAME").contains("FLAG").contains("VERSION").contains("AVAILABILITY")
                .contains("LOADED FROM");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("none ").contains("0x00").contains("method-none"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("zlib ").contains("0x02").contains("level=0..9"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("zstd ").contains("0x04"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("qpl ").contains("0x08"));
    }

    @Test
    void jsonForMachines() {
        CliRun r = CliRun.of("methods", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, Object> j = MiniJson.obj(MiniJson.parse(r.out()));
        List<Map<String, Object>> methods = MiniJson.arr(j.get("methods")).stream().map(MiniJson::obj).toList();
        assertThat(methods).extracting(m -> m.get("name")).contains("none", "zlib", "zstd", "qpl");
        Map<String, Object> zlib = methods.stream().filter(m -> "zlib".equals(m.get("name"))).findFirst().orElseThrow();
        assertThat(zlib.get("flag")).isEqualTo("0x02");
        assertThat(zlib.get("flag_value")).isEqualTo(2L);
        assertThat(zlib.get("can_decode")).isEqualTo(true);
        assertThat((String) zlib.get("location")).contains("method-zlib");
        assertThat(MiniJson.arr(zlib.get("parameters"))).singleElement()
                .satisfies(p -> assertThat(MiniJson.obj(p).get("max")).isEqualTo(9L));
        for (Map<String, Object> m : methods) {
            if (!(Boolean) m.get("available")) {
                assertThat((String) m.get("reason")).as(m.get("name") + " unavailable needs a reason").isNotBlank();
            }
        }
        assertThat(MiniJson.arr(j.get("problems"))).isEmpty();
    }

    @Test
    void anEmptyPluginsFolderChangesNothingAndAMissingOneIsAUsageError(@TempDir Path tmp) {
        CliRun r = CliRun.of("methods", "--plugins", tmp.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("zstd");
        CliRun missing = CliRun.of("methods", "--plugins", tmp.resolve("missing").toString());
        assertThat(missing.code()).isEqualTo(Main.EXIT_USAGE);
    }
}
