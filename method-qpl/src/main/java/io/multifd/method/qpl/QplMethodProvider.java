package io.multifd.method.qpl;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;

import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code qpl} method (flag {@code 0x08}): QEMU 10.0's Intel QPL compression, each page one
 * raw deflate stream behind a big-endian u32 length table.
 *
 * <h2>Parameter {@code path}</h2>
 * <ul>
 * <li>{@code auto} (default): libqpl's hardware path (Intel IAA) when it initialises, else its
 * software path;</li>
 * <li>{@code hardware}: the hardware path only (setup fails without a usable IAA device); a page
 * the busy work queues refuse after 3 retries goes to the software path, a page the hardware fails
 * on goes raw;</li>
 * <li>{@code software}: libqpl's software path (CPU);</li>
 * <li>{@code java}: a pure-Java encoder ({@code Deflater(1, true)}), same wire format, no libqpl.</li>
 * </ul>
 * {@link MultifdMethod#engine()} says which engine a created method encodes with, and
 * {@link MultifdMethod#counters} counts per channel the pages on hardware, on software, in Java and
 * raw.
 *
 * <h2>Availability</h2>
 * Decoding always works: without libqpl the receiver inflates with {@link java.util.zip.Inflater}.
 * Encoding needs libqpl except with {@code path=java}; when libqpl cannot be loaded, {@link
 * #availability()} is {@link Availability#decodeOnly decode only}, with the loader's message and
 * every place tried. libqpl is looked for in the file named by the system property
 * {@code multifd.qpl.library} or the environment variable {@code MULTIFD_QPL_LIBRARY}, else as
 * {@code qpl} and {@code libqpl.so.1} on the library path, else at {@code .qpl/lib/libqpl.so}
 * under the current directory (built by {@code scripts/provision-qpl.sh}).
 *
 * @since 0.1
 */
public final class QplMethodProvider implements MethodProvider {

    /** The method's name. */
    static final String NAME = "qpl";
    /** The name of the path parameter. */
    static final String PATH = "path";

    private static final List<MethodParameter> PARAMETERS = List.of(MethodParameter.ofChoice(PATH,
            "compression engine: auto (IAA hardware when it initialises, else libqpl software), hardware, "
                    + "software, or java (pure-Java raw deflate, no libqpl)",
            QplPath.words(), QplPath.AUTO.word()));

    private final Supplier<QplLibrary.Load> library;

    /** The provider {@link java.util.ServiceLoader} creates; loads nothing until asked. */
    public QplMethodProvider() {
        this(QplLibrary::defaultLoad);
    }

    /**
     * A provider with its own libqpl lookup, for tests.
     *
     * @param library the lookup
     */
    QplMethodProvider(Supplier<QplLibrary.Load> library) {
        this.library = library;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MethodFlag flag() {
        return MethodFlag.QPL;
    }

    @Override
    public int apiVersion() {
        return MultifdApi.API_VERSION;
    }

    /**
     * Full when libqpl loads and passes its self-check; otherwise decode only, with a reason that
     * gives the loader's message for every place tried and says that {@code path=java} encodes
     * without libqpl.
     *
     * @return the availability; never throws
     */
    @Override
    public Availability availability() {
        QplLibrary.Load load = load();
        return load.loaded() ? Availability.full() : Availability.decodeOnly(load.reason());
    }

    @Override
    public List<MethodParameter> parameters() {
        return PARAMETERS;
    }

    /**
     * Creates the method. Never fails for a missing libqpl, so a receiver without it can decode;
     * a sender whose path needs libqpl fails in {@code sendSetup} with the loader's reason.
     *
     * @param settings checked settings with {@code path}
     * @return the method
     */
    @Override
    public MultifdMethod create(MethodSettings settings) {
        return new QplMethod(QplPath.of(settings.value(PATH)), load());
    }

    private QplLibrary.Load load() {
        try {
            return library.get();
        } catch (LinkageError e) {
            // JNA itself is missing or broken: still decode with java.util.zip
            return new QplLibrary.Load(false, "", "", -1, List.of(),
                    "JNA (com.sun.jna), which loads libqpl, is not usable: " + e
                            + "; qpl encodes only with path=java, and decodes with java.util.zip.Inflater");
        }
    }
}
