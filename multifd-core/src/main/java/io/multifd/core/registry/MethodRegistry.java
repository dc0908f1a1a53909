package io.multifd.core.registry;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.registry.DiscoveredMethod.Origin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compression methods installed here, found through {@link ServiceLoader}: named modules of
 * the module path (or of a given layer), {@code META-INF/services} entries of the class path, and
 * optionally the jars of a plugins folder (each in its own layer or class loader, see
 * {@link #discover(Path)}).
 *
 * <p>Discovery never lets one broken provider hide the others. A provider that fails to load
 * ({@link ServiceConfigurationError}, {@link LinkageError}), to construct, or to answer
 * {@code name()}, {@code flag()}, {@code apiVersion()}, {@code version()},
 * {@code availability()} or {@code parameters()}, or that breaks a rule, becomes a
 * {@link ProviderProblem} naming its jar, its class and the cause. The rules checked:
 * <ul>
 * <li>the name matches {@value #NAME_PATTERN} (rule 4.1);</li>
 * <li>{@code apiVersion()} is one this framework runs ({@link MultifdApi#isSupported(int)}: from
 * {@link MultifdApi#OLDEST_SUPPORTED_API_VERSION} to {@link MultifdApi#API_VERSION}, rule 4.2);
 * a mismatch names both versions;</li>
 * <li>the built-in names {@code none}, {@code zlib}, {@code zstd} and {@code qpl} are pinned to
 * classes of the packages {@code io.multifd.method.<name>}; QEMU's method names and flags go
 * together (a method named {@code zlib} uses 0x02, and only it does); every other method uses a
 * flag of the private flag space (see {@link MethodFlag});</li>
 * <li>names and flags are unique: two providers with the same name or the same flag are a hard
 * error ({@link MultifdException}) that names both classes and both locations.</li>
 * </ul>
 * A method that is unavailable here (a missing native library) is still listed, with its
 * {@link Availability} and reason. Discovery logs one line per method found and one line when none
 * is found, on the {@link System.Logger} {@code io.multifd.core.registry}.
 *
 * <p>Lookups go by name (or by the flag of an already discovered method) only: a name coming
 * from a peer is compared against what was found and can never load a class.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @since 0.1
 */
public final class MethodRegistry {

    /** The syntax of a method name (rule 4.1). */
    public static final String NAME_PATTERN = "[a-z][a-z0-9-]{0,31}";

    /** The service file every method jar ships for class-path discovery. */
    public static final String SERVICE_FILE = "META-INF/services/" + MethodProvider.class.getName();

    /** Names pinned to the built-in classes {@code io.multifd.method.<name>.*}. */
    public static final Set<String> BUILT_IN_NAMES = Set.of("none", "zlib", "zstd", "qpl");

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);
    private static final Pattern CLASS_NAME = Pattern.compile("\\b[A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)+\\b");
    private static final Map<String, Integer> QEMU_FLAGS = Map.of(
            "none", 0x00, "zlib", 0x02, "zstd", 0x04, "qpl", 0x08, "uadk", 0x10, "qatzip", 0x20);
    private static final int MAX_LOADER_ERRORS = 256;

    static final System.Logger LOG = System.getLogger("io.multifd.core.registry");

    /** What a caller wants to do with a method. */
    public enum Use {
        /** Send: the method must encode here. */
        ENCODE,
        /** Receive: the method must decode here. */
        DECODE,
        /** Both directions. */
        BOTH
    }

    private final List<DiscoveredMethod> methods;
    private final List<ProviderProblem> problems;
    private final List<String> discoveryLog;
    private final Map<String, DiscoveredMethod> byName;
    private final Map<Integer, DiscoveredMethod> byFlag;

    private MethodRegistry(List<DiscoveredMethod> methods, List<ProviderProblem> problems, List<String> log) {
        List<DiscoveredMethod> sorted = new ArrayList<>(methods);
        sorted.sort(Comparator.comparing(DiscoveredMethod::name));
        this.methods = List.copyOf(sorted);
        this.problems = List.copyOf(problems);
        this.discoveryLog = List.copyOf(log);
        Map<String, DiscoveredMethod> n = new LinkedHashMap<>();
        Map<Integer, DiscoveredMethod> f = new HashMap<>();
        for (DiscoveredMethod m : this.methods) {
            n.put(m.name(), m);
            f.put(m.flag().value(), m);
        }
        this.byName = n;
        this.byFlag = f;
    }

    // ------------------------------------------------------------------ discovery

    /**
     * Finds the methods visible to the class loader of this module: named modules of the boot
     * layer (module path) and {@code META-INF/services} entries of the class path.
     *
     * @return the registry
     * @throws MultifdException when two providers declare the same name or flag
     */
    public static MethodRegistry discover() throws MultifdException {
        return discover(MethodRegistry.class.getClassLoader());
    }

    /**
     * Finds the methods visible to a class loader: named modules defined to it or its ancestors,
     * and {@code META-INF/services} entries it can see.
     *
     * @param loader the class loader
     * @return the registry
     * @throws MultifdException when two providers declare the same name or flag
     */
    public static MethodRegistry discover(ClassLoader loader) throws MultifdException {
        Collector c = new Collector();
        scanLoader(loader, c);
        return c.build("the module path or the class path");
    }

    /**
     * Finds the methods of the named modules of a layer and its parent layers.
     *
     * @param layer the module layer
     * @return the registry
     * @throws MultifdException when two providers declare the same name or flag
     */
    public static MethodRegistry discover(ModuleLayer layer) throws MultifdException {
        Collector c = new Collector();
        scan(ServiceLoader.load(layer, MethodProvider.class), type -> true, null, null, c);
        return c.build("module layer " + layer);
    }

    /**
     * Finds the methods of {@link #discover()} plus those of every {@code *.jar} directly in a
     * plugins folder. Each jar is loaded on its own, so one broken jar cannot stop another from
     * loading: when this module runs on the module path, each jar becomes a module (explicit or
     * automatic) in its own {@link ModuleLayer} above this module's layer; on the class path, each
     * jar gets its own class loader whose parent shows this module's classes but no other
     * {@code META-INF/services} files. A plugin jar must therefore be self-contained, apart from
     * multifd-api and the modules already loaded. A jar that provides no method is reported as a
     * problem.
     *
     * @param pluginsDir the plugins folder
     * @return the registry
     * @throws MultifdException when the folder cannot be listed, or two providers declare the same
     *                          name or flag
     */
    public static MethodRegistry discover(Path pluginsDir) throws MultifdException {
        Collector c = new Collector();
        scanLoader(MethodRegistry.class.getClassLoader(), c);
        PluginLoader.scan(pluginsDir, c);
        return c.build("the module path, the class path or the plugins folder " + pluginsDir);
    }

    /**
     * A registry of given providers, checked by the same rules as discovered ones (for tests and
     * embedders). Locations are taken from the providers' classes.
     *
     * @param providers the providers
     * @return the registry
     * @throws MultifdException when two providers declare the same name or flag
     */
    public static MethodRegistry of(Collection<? extends MethodProvider> providers) throws MultifdException {
        Collector c = new Collector();
        for (MethodProvider p : providers) {
            c.candidate(p, p.getClass(), locationOf(p.getClass()), originOf(p.getClass()));
        }
        return c.build("the given providers");
    }

    private static void scanLoader(ClassLoader loader, Collector c) {
        scan(ServiceLoader.load(MethodProvider.class, loader), type -> true, null, loader, c);
    }

    /**
     * Iterates a service loader provider by provider, turning every failure into a problem.
     *
     * @param sl            the loader
     * @param accept        which provider classes belong to this scan (plugins skip the parents')
     * @param fixedLocation the jar every provider of this scan comes from, or null
     * @param servicesOwner the class loader whose service files may name a failing class, or null
     * @param c             the collector
     * @return the number of providers and problems this scan contributed
     */
    static int scan(ServiceLoader<MethodProvider> sl, Predicate<Class<?>> accept, String fixedLocation,
                    ClassLoader servicesOwner, Collector c) {
        int contributed = 0;
        int errors = 0;
        Iterator<ServiceLoader.Provider<MethodProvider>> it = sl.stream().iterator();
        while (true) {
            ServiceLoader.Provider<MethodProvider> p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                String cls = classNamedIn(e);
                String where = fixedLocation != null ? fixedLocation : locateInServiceFiles(servicesOwner, cls);
                c.problem(where, cls == null ? "unknown class" : cls, "cannot be loaded: " + describe(e), e);
                contributed++;
                if (++errors > MAX_LOADER_ERRORS) {
                    c.problem(where, "unknown class", "gave up after " + MAX_LOADER_ERRORS
                            + " provider loading errors", null);
                    break;
                }
                continue;
            }
            Class<? extends MethodProvider> type;
            try {
                type = p.type();
            } catch (ServiceConfigurationError | LinkageError e) {
                String cls = classNamedIn(e);
                c.problem(fixedLocation != null ? fixedLocation : locateInServiceFiles(servicesOwner, cls),
                        cls == null ? "unknown class" : cls, "cannot be loaded: " + describe(e), e);
                contributed++;
                continue;
            }
            if (!accept.test(type)) {
                continue;
            }
            String location = fixedLocation != null ? fixedLocation : locationOf(type);
            MethodProvider instance;
            try {
                instance = p.get();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                c.problem(location, type.getName(), "its constructor failed: " + describe(e), e);
                contributed++;
                continue;
            }
            c.candidate(instance, type, location, fixedLocation != null ? Origin.PLUGIN : originOf(type));
            contributed++;
        }
        return contributed;
    }

    // ------------------------------------------------------------------ lookups

    /** @return every usable method found, available or not, sorted by name */
    public List<DiscoveredMethod> methods() {
        return methods;
    }

    /** @return the providers that could not be used, in discovery order */
    public List<ProviderProblem> problems() {
        return problems;
    }

    /**
     * The lines discovery logged, in order: one per skipped provider (warning), one per method
     * found, or one saying none was found.
     *
     * @return the lines
     */
    public List<String> discoveryLog() {
        return discoveryLog;
    }

    /** @return the names of the methods found, sorted */
    public List<String> names() {
        return methods.stream().map(DiscoveredMethod::name).toList();
    }

    /**
     * Looks a method up by name. Never loads a class.
     *
     * @param name a name, possibly from a peer
     * @return the method, when one of that name was found
     */
    public Optional<DiscoveredMethod> find(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * Looks a method up by its wire flag, among the methods found.
     *
     * @param flag the compression field of a packet
     * @return the method using that flag, if one was found
     */
    public Optional<DiscoveredMethod> findByFlag(MethodFlag flag) {
        return Optional.ofNullable(byFlag.get(flag.value()));
    }

    /**
     * A method that must exist and work in a direction.
     *
     * @param name the name
     * @param use  what the caller will do with it
     * @return the method
     * @throws MethodUnavailableException naming the method and, when unknown, the known ones;
     *                                    when unavailable, the reason
     */
    public DiscoveredMethod require(String name, Use use) throws MethodUnavailableException {
        DiscoveredMethod m = find(name).orElse(null);
        if (m == null) {
            String known = methods.isEmpty() ? "no method is installed" : "installed: " + String.join(", ", names());
            if (name == null || !NAME.matcher(name).matches()) {
                throw new MethodUnavailableException(null, "'" + name + "' is not a method name (expected "
                        + NAME_PATTERN + "); " + known);
            }
            throw new MethodUnavailableException(name, "no method named '" + name + "' is installed; " + known);
        }
        checkUse(m, use);
        return m;
    }

    /**
     * A method, by flag, that must exist and work in a direction.
     *
     * @param flag the compression field, e.g. of a captured packet
     * @param use  what the caller will do with it
     * @return the method
     * @throws MethodUnavailableException naming the flag and the installed flags, or the reason
     */
    public DiscoveredMethod require(MethodFlag flag, Use use) throws MethodUnavailableException {
        DiscoveredMethod m = findByFlag(flag).orElse(null);
        if (m == null) {
            StringBuilder known = new StringBuilder();
            for (DiscoveredMethod d : methods) {
                known.append(known.length() == 0 ? "" : ", ").append(d.name()).append(' ').append(d.flag());
            }
            throw new MethodUnavailableException(null, "no installed method has the wire flag " + flag
                    + (known.length() == 0 ? "; no method is installed" : "; installed: " + known));
        }
        checkUse(m, use);
        return m;
    }

    private static void checkUse(DiscoveredMethod m, Use use) throws MethodUnavailableException {
        Availability a = m.availability();
        boolean ok = switch (use) {
            case ENCODE -> a.canEncode();
            case DECODE -> a.canDecode();
            case BOTH -> a.isFull();
        };
        if (!ok) {
            String what = switch (use) {
                case ENCODE -> "encode";
                case DECODE -> "decode";
                case BOTH -> "encode and decode";
            };
            throw new MethodUnavailableException(m.name(), "method " + m.name() + " cannot " + what
                    + " on this machine: " + a.reason() + " (loaded from " + m.location() + ")");
        }
    }

    /**
     * Creates a method for one transfer, by name.
     *
     * @param name     the method's name
     * @param settings parameter values (may be empty: defaults)
     * @param use      what the caller will do with it
     * @return the resolved method
     * @throws MultifdException when the method is unknown or unavailable
     *                          ({@link MethodUnavailableException}), a setting is invalid, or the
     *                          provider fails to create it
     */
    public ResolvedMethod resolve(String name, Map<String, String> settings, Use use) throws MultifdException {
        return ResolvedMethod.create(require(name, use).provider(), settings);
    }

    /**
     * Creates a method for one transfer, by wire flag (for decoding a capture, whose packets name
     * the method by flag only).
     *
     * @param flag     the compression field
     * @param settings parameter values (may be empty: defaults)
     * @param use      what the caller will do with it
     * @return the resolved method
     * @throws MultifdException as {@link #resolve(String, Map, Use)}
     */
    public ResolvedMethod resolve(MethodFlag flag, Map<String, String> settings, Use use) throws MultifdException {
        return ResolvedMethod.create(require(flag, use).provider(), settings);
    }

    @Override
    public String toString() {
        return "MethodRegistry" + names() + (problems.isEmpty() ? "" : " (" + problems.size() + " problems)");
    }

    // ------------------------------------------------------------------ checks

    /** Collects candidates and problems of one discovery, then checks and builds. */
    static final class Collector {
        private final List<Candidate> candidates = new ArrayList<>();
        private final List<ProviderProblem> problems = new ArrayList<>();
        private final List<String> log = new ArrayList<>();

        void problem(String location, String providerClass, String reason, Throwable cause) {
            ProviderProblem p = new ProviderProblem(location, providerClass, reason, cause);
            problems.add(p);
            log(System.Logger.Level.WARNING, "multifd method provider skipped: " + p);
        }

        private void log(System.Logger.Level level, String line) {
            log.add(line);
            LOG.log(level, line);
        }

        void candidate(MethodProvider provider, Class<?> type, String location, Origin origin) {
            candidates.add(new Candidate(provider, type, location, origin));
        }

        MethodRegistry build(String where) throws MultifdException {
            List<DiscoveredMethod> ok = new ArrayList<>();
            for (Candidate c : candidates) {
                DiscoveredMethod m = check(c);
                if (m == null) {
                    continue;
                }
                boolean same = ok.stream().anyMatch(o -> o.providerClass().equals(m.providerClass())
                        && o.location().equals(m.location()));
                if (!same) {
                    ok.add(m);
                }
            }
            Map<String, DiscoveredMethod> names = new HashMap<>();
            Map<Integer, DiscoveredMethod> flags = new HashMap<>();
            for (DiscoveredMethod m : ok) {
                DiscoveredMethod other = names.putIfAbsent(m.name(), m);
                if (other != null) {
                    throw new MultifdException(m.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                            "name", "two providers declare the method name '" + m.name() + "': " + other.providerClass()
                            + " from " + other.location() + " and " + m.providerClass() + " from " + m.location()
                            + "; remove one of them", null);
                }
                other = flags.putIfAbsent(m.flag().value(), m);
                if (other != null) {
                    throw new MultifdException(m.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                            "flag", "methods '" + other.name() + "' and '" + m.name() + "' declare the same wire flag "
                            + m.flag() + ": " + other.providerClass() + " from " + other.location() + " and "
                            + m.providerClass() + " from " + m.location() + "; remove one of them", null);
                }
            }
            ok.sort(Comparator.comparing(DiscoveredMethod::name));
            if (ok.isEmpty()) {
                log(System.Logger.Level.WARNING, "no multifd method found on " + where
                        + (problems.isEmpty() ? "" : " (" + problems.size() + " providers skipped)"));
            }
            for (DiscoveredMethod m : ok) {
                log(System.Logger.Level.INFO, "multifd method " + m.name() + ": flag " + m.flag() + ", version "
                        + m.version() + ", " + m.availability() + ", from " + m.location() + " (" + m.origin().label()
                        + ")");
            }
            return new MethodRegistry(ok, problems, log);
        }

        private DiscoveredMethod check(Candidate c) {
            MethodProvider p = c.provider();
            String cls = c.type().getName();
            String name;
            try {
                name = p.name();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "name() failed: " + describe(e), e);
                return null;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                problem(c.location(), cls, "method name " + (name == null ? "null" : "'" + name + "'")
                        + " does not match " + NAME_PATTERN + " (rule 4.1)", null);
                return null;
            }
            int api;
            try {
                api = p.apiVersion();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "method " + name + ": apiVersion() failed: " + describe(e), e);
                return null;
            }
            if (!MultifdApi.isSupported(api)) {
                problem(c.location(), cls, "method " + name + " was built for multifd API version " + api
                        + ", but this framework has API version " + MultifdApi.API_VERSION + " and runs methods of "
                        + MultifdApi.supportedVersions() + " (rule 4.2); rebuild the method against this multifd-api",
                        null);
                return null;
            }
            if (BUILT_IN_NAMES.contains(name) && !cls.startsWith("io.multifd.method." + name + ".")) {
                problem(c.location(), cls, "the method name '" + name + "' is reserved for the built-in classes "
                        + "io.multifd.method." + name + ".*", null);
                return null;
            }
            MethodFlag flag;
            try {
                flag = p.flag();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "method " + name + ": flag() failed: " + describe(e), e);
                return null;
            }
            if (flag == null) {
                problem(c.location(), cls, "method " + name + ": flag() returned null", null);
                return null;
            }
            Integer qemu = QEMU_FLAGS.get(name);
            if (qemu != null && flag.value() != qemu) {
                problem(c.location(), cls, String.format("method %s declares flag %s, but QEMU's %s uses 0x%02X",
                        name, flag, name, qemu), null);
                return null;
            }
            if (qemu == null && (flag.isQemuAssigned() || flag.value() == 0x06)) {
                String owner = QEMU_FLAGS.entrySet().stream().filter(e -> e.getValue() == flag.value())
                        .map(Map.Entry::getKey).findFirst().orElse("an early qatzip patch");
                problem(c.location(), cls, "method " + name + " declares flag " + flag + ", which belongs to QEMU's "
                        + owner + "; a method QEMU does not know must use a private flag (even values "
                        + "0x0A..0x3E not assigned by QEMU)", null);
                return null;
            }
            String version;
            try {
                version = p.version();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "method " + name + ": version() failed: " + describe(e), e);
                return null;
            }
            Availability availability;
            try {
                availability = p.availability();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "method " + name + ": availability() failed: " + describe(e), e);
                return null;
            }
            if (availability == null) {
                problem(c.location(), cls, "method " + name + ": availability() returned null", null);
                return null;
            }
            List<MethodParameter> parameters;
            try {
                parameters = p.parameters();
            } catch (RuntimeException | LinkageError e) {
                problem(c.location(), cls, "method " + name + ": parameters() failed: " + describe(e), e);
                return null;
            }
            if (parameters == null) {
                problem(c.location(), cls, "method " + name + ": parameters() returned null", null);
                return null;
            }
            if (version == null || version.isBlank() || "unknown".equals(version)) {
                version = versionOf(c.type());
            }
            return new DiscoveredMethod(name, flag, version,
                    availability, parameters, cls, c.location(), c.origin(), p);
        }
    }

    private record Candidate(MethodProvider provider, Class<?> type, String location, Origin origin) {
    }

    // ------------------------------------------------------------------ locations and messages

    /**
     * The version of a provider that does not state one: its module's version (named modules do
     * not see their jar's manifest), else its package's {@code Implementation-Version}.
     *
     * @param type the provider class
     * @return the version, or {@code "unknown"}
     */
    static String versionOf(Class<?> type) {
        Module m = type.getModule();
        if (m.isNamed() && m.getDescriptor() != null) {
            Optional<String> v = m.getDescriptor().rawVersion();
            if (v.isPresent()) {
                return v.get();
            }
        }
        Package p = type.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null || v.isBlank() ? "unknown" : v;
    }

    static Origin originOf(Class<?> type) {
        return type.getModule().isNamed() ? Origin.MODULE_PATH : Origin.CLASS_PATH;
    }

    /**
     * Where a class was loaded from: its jar or directory, else its module's location.
     *
     * @param type the class
     * @return a path, a URL, or {@code "unknown location"}
     */
    static String locationOf(Class<?> type) {
        try {
            CodeSource cs = type.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null) {
                return pathOf(cs.getLocation());
            }
        } catch (SecurityException ignored) {
            // fall through to the module's location
        }
        Module m = type.getModule();
        if (m.isNamed() && m.getLayer() != null) {
            return m.getLayer().configuration().findModule(m.getName())
                    .flatMap(r -> r.reference().location()).map(Object::toString).orElse("module " + m.getName());
        }
        return "unknown location";
    }

    static String pathOf(URL url) {
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI()).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                return url.toString();
            }
        }
        return url.toString();
    }

    /**
     * The jar or directory whose service file names a class.
     *
     * @param loader    the loader whose service files to read, or null
     * @param className the class, or null
     * @return the location, or {@code "unknown location"}
     */
    static String locateInServiceFiles(ClassLoader loader, String className) {
        if (loader == null || className == null) {
            return "unknown location";
        }
        try {
            Enumeration<URL> urls = loader.getResources(SERVICE_FILE);
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                if (serviceFileNames(url, className)) {
                    return containerOf(url);
                }
            }
        } catch (IOException e) {
            return "unknown location";
        }
        return "unknown location";
    }

    private static boolean serviceFileNames(URL url, String className) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int hash = line.indexOf('#');
                if ((hash >= 0 ? line.substring(0, hash) : line).trim().equals(className)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * The jar or directory holding a resource URL.
     *
     * @param resource a {@code jar:} or {@code file:} URL of a service file
     * @return its container's path
     */
    static String containerOf(URL resource) {
        String s = resource.toString();
        if (s.startsWith("jar:")) {
            int bang = s.indexOf("!/");
            try {
                return pathOf(new URL(s.substring(4, bang < 0 ? s.length() : bang)));
            } catch (IOException e) {
                return s;
            }
        }
        if (s.endsWith(SERVICE_FILE)) {
            try {
                return pathOf(new URL(s.substring(0, s.length() - SERVICE_FILE.length())));
            } catch (IOException e) {
                return s;
            }
        }
        return s;
    }

    private static String classNamedIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = t.getMessage();
            if (msg == null) {
                continue;
            }
            Matcher m = CLASS_NAME.matcher(msg);
            while (m.find()) {
                String candidate = m.group();
                if (!candidate.equals(MethodProvider.class.getName()) && !candidate.startsWith("java.")) {
                    return candidate.replace('/', '.');
                }
            }
        }
        return null;
    }

    /**
     * A one-line description of a failure and its root cause; a {@link LinkageError} is explained
     * as a version mismatch.
     *
     * @param e the failure
     * @return the description
     */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e));
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            sb.append("; caused by ").append(root);
        }
        if (root instanceof LinkageError || e instanceof LinkageError) {
            sb.append(" (a LinkageError usually means the jar was built against another version of multifd-api, "
                    + "API version ").append(MultifdApi.API_VERSION).append(" here, or misses one of its dependencies)");
        }
        return sb.toString();
    }
}
