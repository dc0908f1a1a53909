package io.multifd.cli;

import io.multifd.core.qemu.live.ChannelRecording;
import io.multifd.core.json.Json;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.RecordedPacket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live interoperability with a real QEMU 10.0 ({@code qemu-system-x86_64}, TCG, q35, 64 MiB):
 * QEMU sources migrate into {@code qemu-receive}, and {@code qemu-transcode} + {@code qemu-send}
 * migrate into QEMU destinations. Memory is always compared ({@code pmemsave}); "completed"
 * alone proves nothing.
 *
 * <p>Fails when QEMU is missing (run {@code scripts/provision-qemu.sh}) unless
 * {@code -Dmultifd.qemu.optional=true}. Every QEMU is started by this class, driven with
 * timeouts and killed by its pid when its test ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class QemuLiveTests {

    private static final int MIB = 64;
    private static final long MEM = (long) MIB << 20;
    private static final long BIOS_ADDR = 0x1_0000_0000L - 0x40000;
    private static final int BIOS_SIZE = 0x40000;
    private static final Duration MIGRATION_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path shared;

    private byte[] expected;
    private List<String> loaderArgs;
    private Path dirtyKernel;
    private Stopped stoppedFixture;
    private Dirty dirtyFixture;

    /** A stopped VM received by qemu-receive, with the source's memory. */
    private record Stopped(Path dir, byte[] pmem, byte[] bios, Map<String, Object> sourceMigrate) {
    }

    /** A running dirty guest received by qemu-receive, with the source's memory after switchover. */
    private record Dirty(Path dir, byte[] pmem, Map<String, Object> sourceMigrate) {
    }

    @BeforeAll
    void setUp() throws Exception {
        LiveQemu.requireQemu();
        expected = GuestMemory.generate(20261126L, MIB);
        Path pieces = Files.createDirectories(shared.resolve("pieces"));
        loaderArgs = GuestMemory.writePieces(expected, pieces);
    }

    // ------------------------------------------------------------------ QEMU source -> qemu-receive

    @ParameterizedTest(name = "{0} level {2}, {1} channels")
    @CsvSource({"none, 1, ", "zlib, 2, 1", "zstd, 3, 1", "zlib, 4, 9", "zstd, 2, 3"})
    void receivesAStoppedVm(String method, int channels, Integer level, @TempDir Path work) throws Exception {
        Stopped r = receiveStopped(method, level, channels, work);
        checkStopped(r, channels);
    }

    @Test
    void receivesARunningGuestThatDirtiesMemoryOverSeveralPasses() throws Exception {
        Dirty d = dirty();
        checkDirty(d, 3);
    }

    @Test
    void receivesARunningGuestWithZlibOnTwoChannels(@TempDir Path work) throws Exception {
        Dirty d = receiveDirty("zlib", 1, 2, work);
        checkDirty(d, 2);
    }

    /** Runs openssl in a folder (certificates are made at test time, never committed). */
    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("openssl %s: %s", cmd, out).isTrue();
    }

    @Test
    void aStoppedVmMigratesOverMutualTlsIntoQemuReceiveAndBackIntoQemu(@TempDir Path work) throws Exception {
        // QEMU's x509 folder for endpoint=client: ca-cert.pem, client-cert.pem, client-key.pem
        Path creds = Files.createDirectories(work.resolve("qemu-tls"));
        openssl(creds, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out",
                "ca-cert.pem", "-days", "2", "-subj", "/CN=test-ca");
        for (String name : List.of("server", "client")) {
            openssl(creds, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-key.pem", "-out",
                    name + ".csr", "-subj", "/CN=" + name);
            Files.writeString(creds.resolve(name + ".ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            openssl(creds, "x509", "-req", "-in", name + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                    "-CAcreateserial", "-out", name + "-cert.pem", "-days", "2", "-extfile", name + ".ext");
        }
        List<String> args = new ArrayList<>(stoppedArgs());
        args.addAll(List.of("-object", "tls-creds-x509,id=tls0,dir=" + creds + ",endpoint=client"));
        Path out = work.resolve("received");
        try (QemuVm src = QemuVm.start("src", work, args)) {
            byte[] pmem = src.pmemsave(0, MEM, work.resolve("src-pmem.bin"));
            BackgroundCli rx = BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--channels", "2",
                    "--method", "zstd", "--out", out.toString(), "--port-file", work.resolve("port").toString(),
                    "--accept-timeout", "30", "--idle-timeout", "30", "--timeout", "150",
                    "--tls-cert", creds.resolve("server-cert.pem").toString(),
                    "--tls-key", creds.resolve("server-key.pem").toString(),
                    "--tls-ca", creds.resolve("ca-cert.pem").toString());
            int port = rx.awaitPort(work.resolve("port"), Duration.ofSeconds(20));
            setMultifd(src, "zstd", null, 2, Map.of("max-bandwidth", 8L << 30, "tls-creds", "tls0"));
            src.qmp().command("migrate", Map.of("uri", "tcp:127.0.0.1:" + port));
            Map<String, Object> st = src.awaitMigration(MIGRATION_TIMEOUT);
            CliRun run = rx.await(Duration.ofSeconds(60));
            assertThat(st.get("status")).as("source: %s\nreceiver: %s", st, run).isEqualTo("completed");
            assertThat(run.code()).as(run.toString()).isZero();
            assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).doesNotExist();
            byte[] ram = Files.readAllBytes(LiveQemu.blockFile(out, "pc.ram"));
            // pmemsave shows the BIOS window over pc.ram in [HOLE_START, HOLE_END): compare around it
            assertThat(ram.length).isEqualTo(MEM);
            LiveQemu.assertSamePages(pmem, ram, 0, GuestMemory.HOLE_START, "pc.ram over TLS vs the source's memory");
            LiveQemu.assertSamePages(pmem, ram, GuestMemory.HOLE_END, MEM, "pc.ram over TLS vs the source's memory");
            LiveQemu.assertSamePages(expected, ram, 0, MEM, "pc.ram over TLS vs the generated content");

            // and back: qemu-send over TLS into a QEMU destination with endpoint=server creds
            Path dstCreds = Files.createDirectories(work.resolve("qemu-tls-server"));
            for (String f : List.of("ca-cert.pem", "server-cert.pem", "server-key.pem")) {
                Files.copy(creds.resolve(f), dstCreds.resolve(f));
            }
            List<String> dst = new ArrayList<>(stoppedDestinationArgs());
            dst.addAll(List.of("-object", "tls-creds-x509,id=tls0,dir=" + dstCreds + ",endpoint=server"));
            byte[] got = transcodeAndSend(out, "zstd", 1, 2, work.resolve("back"), dst, Map.of(),
                    List.of("--tls-cert", creds.resolve("client-cert.pem").toString(),
                            "--tls-key", creds.resolve("client-key.pem").toString(),
                            "--tls-ca", creds.resolve("ca-cert.pem").toString()),
                    Map.of("tls-creds", "tls0"));
            LiveQemu.assertSamePages(pmem, got, 0, MEM, "destination memory over TLS vs the source's");
        }
    }

    @Test
    void aSourceThatDiesMidwayLeavesANonZeroExitAndAnIncompleteFolder(@TempDir Path work) throws Exception {
        Path out = work.resolve("received");
        Path portFile = work.resolve("port");
        try (QemuVm src = QemuVm.start("src", work, dirtyArgs())) {
            awaitSweeps(src, 50);
            BackgroundCli rx = BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--channels", "2",
                    "--method", "zstd", "--out", out.toString(), "--port-file", portFile.toString(),
                    "--accept-timeout", "30", "--idle-timeout", "20");
            int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
            setMultifd(src, "zstd", null, 2, Map.of("downtime-limit", 1, "max-bandwidth", 32L << 20,
                    "avail-switchover-bandwidth", 0));
            // the source never completes on its own: it stops before the switchover and waits for
            // a migrate-continue that never comes (a loaded machine once let the dirtying guest
            // converge between the poll below and the kill, and the receiver rightly succeeded)
            src.qmp().command("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "pause-before-switchover", "state", true))));
            src.qmp().command("migrate", Map.of("uri", "tcp:127.0.0.1:" + port));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Map<String, Object> st = src.queryMigrate(); LiveQemu.num(st, "ram", "dirty-sync-count") < 2
                    && !"pre-switchover".equals(st.get("status")); st = src.queryMigrate()) {
                assertThat(System.nanoTime()).as("second pass within 60 s").isLessThan(deadline);
                QemuVm.sleep(50);
            }
            long killedAt = System.nanoTime();
            src.kill();
            CliRun run = rx.await(Duration.ofSeconds(40));
            long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(run.code()).as(run.toString()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).as(run.toString()).startsWith("multifd qemu-receive: ");
            assertThat(stopMs).as("receiver stopped after the source died").isLessThan(30_000);
            assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).exists();
            assertThat(Files.readString(out.resolve(ReceivedMigration.INCOMPLETE))).startsWith("incomplete: ");
            assertThat(out.resolve("blocks.json")).doesNotExist();
            assertThat(out.resolve("pc.ram.img")).doesNotExist();
        }
    }

    @Test
    void aMethodMismatchFailsAtOnceNamingChannelPacketAndField(@TempDir Path work) throws Exception {
        Path out = work.resolve("received");
        Path portFile = work.resolve("port");
        try (QemuVm src = QemuVm.start("src", work, stoppedArgs())) {
            BackgroundCli rx = BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--channels", "2",
                    "--method", "zlib", "--out", out.toString(), "--port-file", portFile.toString(),
                    "--accept-timeout", "30", "--idle-timeout", "20");
            int port = rx.awaitPort(portFile, Duration.ofSeconds(20));
            setMultifd(src, "zstd", null, 2, Map.of("max-bandwidth", 8L << 30));
            src.qmp().command("migrate", Map.of("uri", "tcp:127.0.0.1:" + port));
            CliRun run = rx.await(Duration.ofSeconds(40));
            assertThat(run.code()).as(run.toString()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).as(run.toString()).contains("method zlib, channel ").contains(", packet ")
                    .contains("field flags").contains("compression field 0x04");
            assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).exists();
            assertThat(out.resolve("blocks.json")).doesNotExist();
            // the source may even report "completed": precopy sends nothing back, and the whole
            // stream can fit into the socket buffers before the receiver closes them
            src.awaitMigration(Duration.ofSeconds(30));
        }
    }

    // ------------------------------------------------------------------ qemu-transcode + qemu-send -> QEMU destination

    @ParameterizedTest(name = "{0} level {1}, {2} channels")
    @CsvSource({"none, , 2", "zlib, 1, 3", "zlib, 9, 1", "zstd, 1, 4", "zstd, 19, 2"})
    void transcodesAndSendsIntoARealDestination(String method, Integer level, int channels, @TempDir Path work)
            throws Exception {
        Stopped s = stopped();
        byte[] got = transcodeAndSend(s.dir(), method, level, channels, work, stoppedDestinationArgs(),
                Map.of(BIOS_ADDR, s.bios()));
        LiveQemu.assertSamePages(s.pmem(), got, 0, MEM, "destination memory vs the source's (" + method + ")");
    }

    @Test
    void transcodesAMultiPassMigrationAndSendsItIntoARealDestination(@TempDir Path work) throws Exception {
        Dirty d = dirty();
        List<String> dst = dirtyArgs();
        dst.addAll(List.of("-S", "-incoming", "defer"));
        byte[] got = transcodeAndSend(d.dir(), "zlib", 4, 2, work, dst, Map.of());
        LiveQemu.assertSamePages(d.pmem(), got, 0, MEM, "destination memory vs the dirty source's after switchover");
    }

    // ------------------------------------------------------------------ fixtures

    private synchronized Stopped stopped() throws Exception {
        if (stoppedFixture == null) {
            Path dir = Files.createDirectories(shared.resolve("stopped-fixture"));
            stoppedFixture = receiveStopped("zstd", 1, 2, dir);
            checkStopped(stoppedFixture, 2);
        }
        return stoppedFixture;
    }

    private synchronized Dirty dirty() throws Exception {
        if (dirtyFixture == null) {
            Path dir = Files.createDirectories(shared.resolve("dirty-fixture"));
            dirtyFixture = receiveDirty("zstd", 1, 3, dir);
        }
        return dirtyFixture;
    }

    private List<String> stoppedArgs() {
        List<String> a = LiveQemu.machine(MIB);
        a.add("-S");
        a.addAll(loaderArgs);
        return a;
    }

    private List<String> stoppedDestinationArgs() {
        List<String> a = LiveQemu.machine(MIB);
        a.addAll(List.of("-S", "-incoming", "defer"));
        return a;
    }

    private List<String> dirtyArgs() throws Exception {
        synchronized (this) {
            if (dirtyKernel == null) {
                dirtyKernel = LiveQemu.buildDirtyGuest(Files.createDirectories(shared.resolve("dirty-guest")));
            }
        }
        List<String> a = LiveQemu.machine(MIB);
        a.addAll(List.of("-kernel", dirtyKernel.toString()));
        return a;
    }

    private static void setMultifd(QemuVm vm, String method, Integer level, int channels, Map<String, Object> extra)
            throws IOException {
        vm.qmp().command("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "multifd", "state", true))));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("multifd-channels", channels);
        params.put("multifd-compression", method);
        if (level != null && !method.equals("none")) {
            params.put("multifd-" + method + "-level", level);
        }
        params.putAll(extra);
        vm.qmp().command("migrate-set-parameters", params);
    }

    private BackgroundCli startReceiver(String method, int channels, Path out, Path portFile) {
        return BackgroundCli.start("qemu-receive", "--listen", "127.0.0.1:0", "--channels", Integer.toString(channels),
                "--method", method, "--out", out.toString(), "--port-file", portFile.toString(), "--accept-timeout",
                "30", "--idle-timeout", "30", "--timeout", "150", "--json");
    }

    private Stopped receiveStopped(String method, Integer level, int channels, Path work) throws Exception {
        Path out = work.resolve("received");
        try (QemuVm src = QemuVm.start("src", work, stoppedArgs())) {
            byte[] pmem = src.pmemsave(0, MEM, work.resolve("src-pmem.bin"));
            byte[] bios = src.pmemsave(BIOS_ADDR, BIOS_SIZE, work.resolve("src-bios.bin"));
            BackgroundCli rx = startReceiver(method, channels, out, work.resolve("port"));
            int port = rx.awaitPort(work.resolve("port"), Duration.ofSeconds(20));
            setMultifd(src, method, level, channels, Map.of("max-bandwidth", 8L << 30));
            src.qmp().command("migrate", Map.of("uri", "tcp:127.0.0.1:" + port));
            Map<String, Object> st = src.awaitMigration(MIGRATION_TIMEOUT);
            CliRun run = rx.await(Duration.ofSeconds(60));
            assertThat(st.get("status")).as("source: %s\nreceiver: %s", st, run).isEqualTo("completed");
            assertThat(run.code()).as(run.toString()).isZero();
            assertThat(out.resolve(ReceivedMigration.INCOMPLETE)).doesNotExist();
            return new Stopped(out, pmem, bios, st);
        }
    }

    private void checkStopped(Stopped r, int channels) throws Exception {
        Path dir = r.dir();
        // the source's memory is what the test loaded (outside the pc.rom/BIOS window at reset)
        LiveQemu.assertSamePages(expected, r.pmem(), 0, GuestMemory.HOLE_START, "source pmemsave vs loaded content");
        LiveQemu.assertSamePages(expected, r.pmem(), GuestMemory.HOLE_END, MEM, "source pmemsave vs loaded content");
        // every byte of pc.ram
        byte[] ram = Files.readAllBytes(LiveQemu.blockFile(dir, "pc.ram"));
        assertThat(ram.length).isEqualTo(MEM);
        LiveQemu.assertSamePages(expected, ram, 0, MEM, "received pc.ram vs the generated content");
        LiveQemu.assertSamePages(r.pmem(), ram, 0, GuestMemory.HOLE_START, "received pc.ram vs pmemsave");
        LiveQemu.assertSamePages(r.pmem(), ram, GuestMemory.HOLE_END, MEM, "received pc.ram vs pmemsave");
        byte[] bios = Files.readAllBytes(LiveQemu.blockFile(dir, "pc.bios"));
        assertThat(bios).as("received pc.bios vs pmemsave of 4G-256K").isEqualTo(r.bios());
        // blocks.json, and the source's own counters
        long normal = 0;
        long zero = 0;
        for (Object o : Json.asList(Json.parse(Files.readString(dir.resolve("blocks.json"))))) {
            Map<String, Object> b = Json.asObject(o);
            normal += (Long) b.get("normal_pages");
            zero += (Long) b.get("zero_pages");
            if (b.get("name").equals("pc.ram")) {
                assertThat(b.get("sha256")).isEqualTo(LiveQemu.sha256(expected));
                assertThat(b.get("size")).isEqualTo(MEM);
            }
        }
        assertThat(normal).as("normal pages vs the source's query-migrate").isEqualTo(
                LiveQemu.num(r.sourceMigrate(), "ram", "normal"));
        assertThat(zero).as("zero pages vs the source's query-migrate").isEqualTo(
                LiveQemu.num(r.sourceMigrate(), "ram", "duplicate"));
        ReceivedMigration m = ReceivedMigration.open(dir);
        assertThat(m.channels()).hasSize(channels);
        for (ChannelRecording c : m.channels()) {
            assertThat(c.ended()).isTrue();
            assertThat(c.syncPackets()).as("SYNC packets of channel %d", c.channel()).isEqualTo(m.flushes());
            assertThat(c.packets().get(0).sync()).as("first packet of channel %d is a SYNC", c.channel()).isTrue();
        }
        assertThat(Files.size(dir.resolve(ReceivedMigration.MAIN_BIN))).isPositive();
        assertThat(Files.readAllBytes(dir.resolve(ReceivedMigration.MAIN_BIN))).startsWith('Q', 'E', 'V', 'M');
    }

    private void awaitSweeps(QemuVm src, long sweeps) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String xp = src.qmp().hmp("xp /6wx 0x101000");
            List<Long> words = new ArrayList<>();
            for (String line : xp.split("\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                for (String w : line.substring(colon + 1).trim().split("\\s+")) {
                    words.add(Long.decode(w));
                }
            }
            assertThat(words).as("status block: %s", xp).hasSizeGreaterThanOrEqualTo(3);
            boolean magic = words.get(0) == 0x54524944L && words.get(1) == 0x54534759L;
            if (magic && words.get(2) > sweeps) {
                return;
            }
            assertThat(System.nanoTime()).as("the dirty guest reaches %d sweeps within 60 s (%s)", sweeps, xp)
                    .isLessThan(deadline);
            QemuVm.sleep(50);
        }
    }

    private Dirty receiveDirty(String method, Integer level, int channels, Path work) throws Exception {
        Path out = work.resolve("received");
        try (QemuVm src = QemuVm.start("src", work, dirtyArgs())) {
            // every word of every page written once: pages are not trivially compressible, so the
            // first pass outlasts QEMU's first bandwidth estimate (see the dirty guest's README)
            awaitSweeps(src, 1100);
            BackgroundCli rx = startReceiver(method, channels, out, work.resolve("port"));
            int port = rx.awaitPort(work.resolve("port"), Duration.ofSeconds(20));
            setMultifd(src, method, level, channels, Map.of("downtime-limit", 1, "max-bandwidth", 32L << 20,
                    "avail-switchover-bandwidth", 0));
            src.qmp().command("migrate", Map.of("uri", "tcp:127.0.0.1:" + port));
            long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
            boolean relaxed = false;
            Map<String, Object> st;
            while (true) {
                st = src.queryMigrate();
                Object s = st.get("status");
                if ("completed".equals(s) || "failed".equals(s) || "cancelled".equals(s)) {
                    break;
                }
                if (!relaxed && LiveQemu.num(st, "ram", "dirty-sync-count") >= 5) {
                    src.qmp().command("migrate-set-parameters", Map.of("downtime-limit", 2000,
                            "avail-switchover-bandwidth", 1L << 30, "max-bandwidth", 1L << 30));
                    relaxed = true;
                }
                assertThat(System.nanoTime()).as("migration still %s: %s", s, st).isLessThan(deadline);
                QemuVm.sleep(50);
            }
            CliRun run = rx.await(Duration.ofSeconds(60));
            assertThat(st.get("status")).as("source: %s\nreceiver: %s", st, run).isEqualTo("completed");
            assertThat(src.status()).isEqualTo("postmigrate");
            assertThat(run.code()).as(run.toString()).isZero();
            // the source is stopped since switchover: its memory is final
            byte[] pmem = src.pmemsave(0, MEM, work.resolve("src-pmem.bin"));
            return new Dirty(out, pmem, st);
        }
    }

    private void checkDirty(Dirty d, int channels) throws Exception {
        byte[] ram = Files.readAllBytes(LiveQemu.blockFile(d.dir(), "pc.ram"));
        LiveQemu.assertSamePages(d.pmem(), ram, 0, MEM, "received pc.ram vs the source's memory after switchover");
        long syncs = LiveQemu.num(d.sourceMigrate(), "ram", "dirty-sync-count");
        assertThat(syncs).as("bitmap syncs (passes)").isGreaterThanOrEqualTo(5);
        ReceivedMigration m = ReceivedMigration.open(d.dir());
        assertThat(m.channels()).hasSize(channels);
        assertThat(m.flushes()).as("sync points on the main channel").isGreaterThanOrEqualTo(5);
        // pages were re-sent in later passes, on other channels than before: the barrier mattered
        Map<Long, Set<Integer>> channelsOfPage = new HashMap<>();
        long sent = 0;
        for (ChannelRecording c : m.channels()) {
            assertThat(c.syncPackets()).isEqualTo(m.flushes());
            for (RecordedPacket p : c.packets()) {
                if (p.block().equals("pc.ram")) {
                    for (long off : p.offsets()) {
                        channelsOfPage.computeIfAbsent(off, k -> new HashSet<>()).add(c.channel());
                        sent++;
                    }
                }
            }
        }
        long pages = MEM / GuestMemory.PAGE;
        assertThat(sent).as("pc.ram pages sent vs pages of pc.ram").isGreaterThan(pages * 2);
        if (channels > 1) {
            long moved = channelsOfPage.values().stream().filter(s -> s.size() > 1).count();
            assertThat(moved).as("pages sent on more than one channel").isGreaterThan(1000);
        }
        String receiveJson = Files.readString(d.dir().resolve(ReceivedMigration.RECEIVE_JSON), StandardCharsets.UTF_8);
        assertThat(Json.parseObject(receiveJson).get("complete")).isEqualTo(Boolean.TRUE);
    }

    private byte[] transcodeAndSend(Path source, String method, Integer level, int channels, Path work,
                                    List<String> destinationArgs, Map<Long, byte[]> alsoCompare) throws Exception {
        return transcodeAndSend(source, method, level, channels, work, destinationArgs, alsoCompare, List.of(),
                Map.of());
    }

    private byte[] transcodeAndSend(Path source, String method, Integer level, int channels, Path work,
                                    List<String> destinationArgs, Map<Long, byte[]> alsoCompare,
                                    List<String> sendExtra, Map<String, Object> destinationParams) throws Exception {
        Path out = work.resolve("transcoded");
        List<String> args = new ArrayList<>(List.of("qemu-transcode", source.toString(), "--method", method,
                "--channels", Integer.toString(channels), "--out", out.toString(), "--json"));
        if (level != null) {
            args.addAll(List.of("--level", level.toString()));
        }
        CliRun t = CliRun.of(args.toArray(String[]::new));
        assertThat(t.code()).as(t.toString()).isZero();
        Map<String, Object> tj = Json.parseObject(t.out());
        assertThat(tj.get("channels")).isEqualTo((long) channels);
        for (Object o : Json.asList(tj.get("connections"))) {
            assertThat(Json.asObject(o).get("sync_packets")).isEqualTo(tj.get("sync_points"));
        }
        try (QemuVm dst = QemuVm.start("dst", work, destinationArgs)) {
            setMultifd(dst, method, level, channels, destinationParams);
            int port = -1;
            for (int attempt = 0; port < 0; attempt++) {
                int p = LiveQemu.freePort();
                try {
                    dst.qmp().command("migrate-incoming", Map.of("uri", "tcp:127.0.0.1:" + p));
                    port = p;
                } catch (IOException e) {
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
            List<String> send = new ArrayList<>(List.of("qemu-send", "--connect", "127.0.0.1:" + port, out.toString(),
                    "--idle-timeout", "20", "--wait-close", "20"));
            send.addAll(sendExtra);
            CliRun s = CliRun.of(send.toArray(String[]::new));
            assertThat(s.code()).as(s + "\ndestination log: " + dst.log()).isZero();
            Map<String, Object> st = dst.awaitMigration(Duration.ofSeconds(30));
            assertThat(st.get("status")).as("destination: %s, log %s", st, dst.log()).isEqualTo("completed");
            assertThat(dst.status()).isIn("paused", "prelaunch");
            byte[] got = dst.pmemsave(0, MEM, work.resolve("dst-pmem.bin"));
            for (Map.Entry<Long, byte[]> e : alsoCompare.entrySet()) {
                byte[] g = dst.pmemsave(e.getKey(), e.getValue().length, work.resolve("dst-extra.bin"));
                assertThat(g).as("destination memory at 0x%x", e.getKey()).isEqualTo(e.getValue());
            }
            return got;
        }
    }
}
