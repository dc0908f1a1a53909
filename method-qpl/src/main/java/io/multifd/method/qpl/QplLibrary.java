package io.multifd.method.qpl;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Finds, loads and checks libqpl, once per JVM.
 *
 * <h2>Where libqpl is looked for</h2>
 * <ol>
 * <li>The file named by the system property {@value #LIBRARY_PROPERTY}, else the file named by the
 * environment variable {@value #LIBRARY_ENV}. When either is set, nothing else is tried.</li>
 * <li>Otherwise the library names {@code qpl} and {@code libqpl.so.1} on JNA's search path
 * ({@code jna.library.path}, {@code LD_LIBRARY_PATH}, the system's library folders): what a system
 * with libqpl installed (newer Debian or Ubuntu) needs.</li>
 * <li>Then {@value #PROJECT_LIBRARY} relative to the current directory: what
 * {@code scripts/provision-qpl.sh} builds in a checkout.</li>
 * </ol>
 *
 * <p>A library that loads is bound to {@link QplNative} and then checked: the job size must be at
 * least {@code sizeof(qpl_job)}, and a probe page must compress on the software path to raw deflate
 * that both {@link Inflater} and libqpl inflate back. The first library that passes serves the
 * whole JVM. Nothing here throws: every failure becomes a sentence in {@link Load#reason()}.
 */
final class QplLibrary {

    /** System property naming the libqpl file to load. */
    static final String LIBRARY_PROPERTY = "multifd.qpl.library";
    /** Environment variable naming the libqpl file to load, when the property is not set. */
    static final String LIBRARY_ENV = "MULTIFD_QPL_LIBRARY";
    /** Where {@code scripts/provision-qpl.sh} puts libqpl, relative to the current directory. */
    static final String PROJECT_LIBRARY = ".qpl/lib/libqpl.so";
    /** The names tried on JNA's search path. */
    static final List<String> LIBRARY_NAMES = List.of("qpl", "libqpl.so.1");

    private static final System.Logger LOG = System.getLogger(QplLibrary.class.getName());
    private static final int PROBE_PAGE = 4096;

    /** The library bound to {@link QplNative}, once one passed the checks. */
    private static Load bound;
    private static Load defaultLoad;

    private QplLibrary() {
    }

    /**
     * One place to look.
     *
     * @param origin    where the candidate comes from, e.g. {@code "system property multifd.qpl.library"}
     * @param reference a file path or a library name
     * @param isFile    whether {@code reference} is a file path
     */
    record Candidate(String origin, String reference, boolean isFile) {
        @Override
        public String toString() {
            return origin.endsWith("=") ? origin + reference : origin + " " + reference;
        }
    }

    /**
     * The outcome of a lookup.
     *
     * @param loaded         whether libqpl is bound and passed the checks
     * @param location       the file or name that was loaded; empty when none
     * @param version        {@code qpl_get_library_version()}; empty when none
     * @param hardwareStatus the status of {@code qpl_init_job(qpl_path_hardware)} (0 when IAA works)
     *                       or -1 when libqpl is not loaded
     * @param tried          every candidate tried, each with what happened
     * @param reason         why libqpl is not loaded, naming every candidate tried; empty when loaded
     */
    record Load(boolean loaded, String location, String version, int hardwareStatus, List<String> tried,
                String reason) {

        /** Copies the list. */
        Load {
            tried = List.copyOf(tried);
        }

        /** @return whether the hardware path initialises */
        boolean hardwareWorks() {
            return loaded && hardwareStatus == QplJobLayout.STS_OK;
        }

        /** @return {@code "libqpl <version>"} */
        String describe() {
            return "libqpl " + version;
        }
    }

    /**
     * The lookup of the documented settings and defaults, done once and cached.
     *
     * @return the outcome
     */
    static synchronized Load defaultLoad() {
        if (defaultLoad == null) {
            defaultLoad = load(defaultCandidates(System.getProperty(LIBRARY_PROPERTY), System.getenv(LIBRARY_ENV),
                    Path.of("").toAbsolutePath()));
        }
        return defaultLoad;
    }

    /**
     * The candidates for given settings.
     *
     * @param property   the system property's value, or null
     * @param env        the environment variable's value, or null
     * @param currentDir the current directory
     * @return the places to look, in order
     */
    static List<Candidate> defaultCandidates(String property, String env, Path currentDir) {
        if (property != null && !property.isBlank()) {
            return List.of(new Candidate("system property " + LIBRARY_PROPERTY + "=", property.trim(), true));
        }
        if (env != null && !env.isBlank()) {
            return List.of(new Candidate("environment variable " + LIBRARY_ENV + "=", env.trim(), true));
        }
        List<Candidate> out = new ArrayList<>();
        for (String name : LIBRARY_NAMES) {
            out.add(new Candidate("library name", name, false));
        }
        out.add(new Candidate("project library", currentDir.resolve(PROJECT_LIBRARY).normalize().toString(), true));
        return out;
    }

    /**
     * Tries the candidates in order until one loads and passes the checks.
     *
     * @param candidates where to look
     * @return the outcome; never throws
     */
    static synchronized Load load(List<Candidate> candidates) {
        List<String> tried = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.isFile() && !Files.isRegularFile(Path.of(c.reference()))) {
                tried.add(c + ": no such file");
                continue;
            }
            try {
                if (bound != null) {
                    // JNA binds a class's natives once; keep the library already bound
                    NativeLibrary.getInstance(c.reference());
                    tried.add(c + ": loads; this JVM already uses libqpl from " + bound.location());
                    return new Load(true, bound.location(), bound.version(), bound.hardwareStatus(), tried, "");
                }
                NativeLibrary library = NativeLibrary.getInstance(c.reference());
                QplNative.bind(library);
                Optional<String> problem = selfCheck();
                if (problem.isPresent()) {
                    Native.unregister(QplNative.class);
                    tried.add(c + ": loads, but " + problem.get());
                    continue;
                }
                String version = String.valueOf(QplNative.qpl_get_library_version());
                int hardware = hardwareStatus();
                tried.add(c + ": libqpl " + version + " loaded");
                bound = new Load(true, c.reference(), version, hardware, tried, "");
                LOG.log(System.Logger.Level.DEBUG, () -> "libqpl " + version + " loaded from " + c.reference()
                        + "; hardware path: " + (hardware == 0 ? "available" : QplJobLayout.describe(hardware)));
                return bound;
            } catch (LinkageError | RuntimeException e) {
                // UnsatisfiedLinkError (missing file, wrong glibc, missing symbol), JNA itself missing
                tried.add(c + ": " + loaderMessage(e));
            }
        }
        String reason = "libqpl could not be loaded, so qpl cannot encode except with path=java (the pure-Java "
                + "encoder); decoding works with java.util.zip.Inflater. Run scripts/provision-qpl.sh or set "
                + LIBRARY_PROPERTY + " / " + LIBRARY_ENV + " to a libqpl file. Tried: " + String.join("; ", tried);
        LOG.log(System.Logger.Level.DEBUG, reason);
        return new Load(false, "", "", -1, tried, reason);
    }

    /**
     * Checks a freshly bound library: the job size, and one probe page compressed on the software
     * path with QEMU's job settings that inflates back with {@link Inflater} and with libqpl. This
     * proves the {@link QplJobLayout} offsets against the real library.
     *
     * @return what is wrong, when something is
     */
    private static Optional<String> selfCheck() {
        byte[] page = probePage();
        try (QplJob job = QplJob.create(QplJobLayout.PATH_SOFTWARE);
             NativeBuffer in = new NativeBuffer(PROBE_PAGE);
             NativeBuffer out = new NativeBuffer(PROBE_PAGE);
             NativeBuffer back = new NativeBuffer(PROBE_PAGE)) {
            in.view().duplicate().put(page);
            int status = job.compress(in.address(), PROBE_PAGE, out.address(), PROBE_PAGE - 1);
            int len = job.totalOut();
            if (status != QplJobLayout.STS_OK || len <= 0 || len >= PROBE_PAGE) {
                return Optional.of("the self-check page did not compress: " + QplJobLayout.describe(status)
                        + ", total_out " + len);
            }
            byte[] inflated = new byte[PROBE_PAGE + 1];
            Inflater inflater = new Inflater(true);
            int n;
            try {
                inflater.setInput(out.slice(0, len));
                n = inflater.inflate(inflated);
            } finally {
                inflater.end();
            }
            if (n != PROBE_PAGE || !Arrays.equals(Arrays.copyOf(inflated, PROBE_PAGE), page)) {
                return Optional.of("the self-check page (" + len + " bytes from libqpl) inflates with "
                        + "java.util.zip to " + n + " bytes that differ from the page: the qpl_job layout "
                        + "does not match this libqpl");
            }
            status = job.decompress(out.address(), len, back.address(), PROBE_PAGE);
            byte[] again = new byte[PROBE_PAGE];
            back.view().duplicate().get(again);
            if (status != QplJobLayout.STS_OK || job.totalOut() != PROBE_PAGE || !Arrays.equals(again, page)) {
                return Optional.of("the self-check page does not decompress through libqpl: "
                        + QplJobLayout.describe(status) + ", total_out " + job.totalOut());
            }
            return Optional.empty();
        } catch (QplStatusException e) {
            return Optional.of("its software path does not initialise: " + e.getMessage());
        } catch (DataFormatException e) {
            return Optional.of("the self-check page is not raw deflate: " + e.getMessage()
                    + "; the qpl_job layout does not match this libqpl");
        }
    }

    /** @return the status of a hardware job's initialisation (0 when IAA works) */
    private static int hardwareStatus() {
        try (QplJob job = QplJob.create(QplJobLayout.PATH_HARDWARE)) {
            return job.hardware() ? QplJobLayout.STS_OK : -1;
        } catch (QplStatusException e) {
            return e.status();
        }
    }

    /** @return a compressible page that is not trivial: text with varying runs */
    static byte[] probePage() {
        byte[] page = new byte[PROBE_PAGE];
        byte[] text = "multifd qpl probe page: the quick brown fox jumps over the lazy dog. ".getBytes(
                StandardCharsets.US_ASCII);
        for (int i = 0; i < page.length; i++) {
            page[i] = (byte) (text[i % text.length] + (i / 1024));
        }
        return page;
    }

    /**
     * The loader's message, short: JNA's {@link UnsatisfiedLinkError} lists one line per place it
     * looked (the dlopen message first, the class path last); keep the first two distinct ones.
     */
    private static String loaderMessage(Throwable e) {
        if (!(e instanceof UnsatisfiedLinkError) || e.getMessage() == null) {
            return e.toString();
        }
        return e.getMessage().lines().map(String::trim).filter(l -> !l.isEmpty()).distinct().limit(2)
                .collect(Collectors.joining(" "));
    }

    /**
     * A direct buffer's start address, for handing page memory to libqpl without a copy.
     *
     * @param buffer a direct buffer
     * @return the address of its position
     */
    static long address(ByteBuffer buffer) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer)) + buffer.position();
    }
}
