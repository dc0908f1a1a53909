package io.multifd.tck;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.module.InvalidModuleDescriptorException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/** Checks of the provider alone (rules 1.2, 1.6, 4.1, 4.2): no transfer runs. */
final class ProviderChecks {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Map<Integer, String> QEMU_NAMES = Map.of(0x00, "none", 0x02, "zlib", 0x04, "zstd",
            0x08, "qpl", 0x10, "uadk", 0x20, "qatzip");
    private static final String SERVICES = "META-INF/services/" + MethodProvider.class.getName();

    private ProviderChecks() {
    }

    /** Rule 1.2: ServiceLoader can create the provider cheaply, and availability() answers. */
    static void cheapFactory(MethodProvider provider) throws Exception {
        Class<?> type = provider.getClass();
        String name = safeName(provider);
        Optional<ServiceLoader.Provider<MethodProvider>> registered = findRegistered(type);
        Constructor<?> ctor = registered.isPresent() ? null : publicNoArgConstructor(type);
        Method factory = registered.isPresent() || ctor != null ? null : staticProviderMethod(type);
        if (registered.isEmpty() && ctor == null && factory == null) {
            throw Rules.broken("1.2", name, type.getName() + " has neither a public no-argument constructor nor a"
                    + " public static provider() method, so ServiceLoader cannot create it",
                    "make the class and its no-argument constructor public");
        }
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            try {
                Object created = registered.isPresent() ? registered.get().get()
                        : ctor != null ? ctor.newInstance() : factory.invoke(null);
                if (!(created instanceof MethodProvider)) {
                    throw Rules.broken("1.2", name, "provider() of " + type.getName() + " returned " + created,
                            "return a MethodProvider");
                }
            } catch (ReflectiveOperationException | ServiceConfigurationError e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw Rules.broken("1.2", name, "creating " + type.getName() + " threw " + cause,
                        "the constructor must do nothing that can fail: no native loading, no I/O", cause);
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (i > 0 && millis > 500) {
                throw Rules.broken("1.2", name, "creating " + type.getName() + " took " + millis + " ms",
                        "the constructor must not load native code or open files: do it in availability() or"
                        + " create()");
            }
        }
        Availability first;
        Availability second;
        try {
            first = provider.availability();
            second = provider.availability();
        } catch (RuntimeException | LinkageError e) {
            throw Rules.broken("1.2", name, "availability() threw " + e, "availability() must not throw: catch the"
                    + " LinkageError of a missing native library and report it as Availability.unavailable(reason)",
                    e);
        }
        if (first == null || !first.equals(second)) {
            throw Rules.broken("1.2", name, "availability() answered " + first + ", then " + second,
                    "compute the availability once and cache it");
        }
    }

    /** Rule 1.6: the flag is a value of the field, and QEMU's values belong to QEMU's methods. */
    static void flag(MethodProvider provider) {
        String name = safeName(provider);
        MethodFlag flag = provider.flag();
        if (flag == null) {
            throw Rules.broken("1.6", name, "flag() returned null", "return MethodFlag.privateFlag(0x..)");
        }
        int v = flag.value();
        if (v == 0x06) {
            throw Rules.broken("1.6", name, "flag 0x06 is excluded (an early QEMU patch used it for qatzip)",
                    "pick an even value from 0x0A to 0x3E that QEMU does not assign: MethodFlag.privateFlag(v)");
        }
        String qemuName = QEMU_NAMES.get(v);
        if (qemuName != null && !qemuName.equals(name)) {
            throw Rules.broken("1.6", name, "flag " + flag + " is QEMU's value for its method '" + qemuName
                    + "', but this method is named '" + name + "'", "a method QEMU does not know takes a value of"
                    + " the private flag space: MethodFlag.privateFlag(v), v even from 0x0A to 0x3E, not QEMU's");
        }
    }

    /** Rule 4.1: the name's form, and no other provider found with the same name or flag. */
    static void nameAndUniqueness(MethodProvider provider) {
        String name = provider.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw Rules.broken("4.1", String.valueOf(name), "the name '" + name + "' does not match"
                    + " [a-z][a-z0-9-]{0,31}", "MethodProvider.name()");
        }
        List<String> clashes = new ArrayList<>();
        var it = loader(provider.getClass()).iterator();
        while (true) {
            MethodProvider other;
            try {
                if (!it.hasNext()) {
                    break;
                }
                other = it.next();
            } catch (ServiceConfigurationError e) {
                continue; // another jar's problem; the registry reports it
            }
            if (other.getClass().equals(provider.getClass())) {
                continue;
            }
            if (name.equals(other.name())) {
                clashes.add("name '" + name + "' is also the name of " + other.getClass().getName() + " in "
                        + where(other.getClass()));
            }
            if (provider.flag().equals(other.flag())) {
                clashes.add("flag " + provider.flag() + " is also the flag of " + other.getClass().getName()
                        + " (method '" + other.name() + "') in " + where(other.getClass()));
            }
        }
        if (!clashes.isEmpty()) {
            throw Rules.broken("4.1", name, String.join("; ", clashes), "pick a name and a private flag no other"
                    + " method uses; the registry refuses duplicates");
        }
    }

    /**
     * Rule 4.1: registered in both lists ServiceLoader reads, and the two lists agree. The module
     * descriptor is the module's when the class is in a named module, else the
     * {@code module-info.class} of its class path entry (a modular jar or classes folder on the
     * class path), so that the class path and the module path find the same providers.
     */
    static void registration(MethodProvider provider) throws IOException {
        Class<?> type = provider.getClass();
        String name = provider.name();
        Module module = type.getModule();
        String home = where(type);
        Optional<ModuleDescriptor> descriptor;
        Optional<List<String>> services;
        String place;
        if (module.isNamed()) {
            descriptor = Optional.ofNullable(module.getDescriptor());
            place = "module " + module.getName();
            try (InputStream in = module.getResourceAsStream(SERVICES)) {
                services = in == null ? Optional.empty() : Optional.of(entries(in));
            }
        } else {
            descriptor = classPathDescriptor(type, name);
            place = home.isEmpty() ? "its class path entry" : home;
            List<String> listed = new ArrayList<>();
            boolean found = false;
            for (URL url : Collections.list(type.getClassLoader().getResources(SERVICES))) {
                if (home.isEmpty() || url.toString().contains(home)) {
                    found = true;
                    try (InputStream in = url.openStream()) {
                        listed.addAll(entries(in));
                    }
                }
            }
            services = found ? Optional.of(listed) : Optional.empty();
        }
        List<String> provided = descriptor.map(d -> d.provides().stream()
                .filter(p -> p.service().equals(MethodProvider.class.getName()))
                .flatMap(p -> p.providers().stream()).toList()).orElse(List.of());
        if (descriptor.isPresent() && !provided.contains(type.getName())) {
            throw Rules.broken("4.1", name, "the module descriptor of " + place + " (module "
                    + descriptor.get().name() + ") does not declare 'provides " + MethodProvider.class.getName()
                    + " with " + type.getName() + "'", "module-info.java of the method's jar");
        }
        if (services.isEmpty() || !services.get().contains(type.getName())) {
            throw Rules.broken("4.1", name, type.getName() + " is not listed in " + SERVICES + " of " + place
                    + (services.isEmpty() ? " (no such file there)" : " (it lists " + services.get() + ")"),
                    "add the class name to src/main/resources/" + SERVICES + ", so the class path finds it as the"
                    + " module path does");
        }
        if (descriptor.isPresent() && !new TreeSet<>(provided).equals(new TreeSet<>(services.get()))) {
            throw Rules.broken("4.1", name, "the two registrations in " + place + " differ: module "
                    + descriptor.get().name() + " provides " + MethodProvider.class.getName() + " with " + provided
                    + ", " + SERVICES + " lists " + services.get() + ", so the module path and the class path would"
                    + " find different methods", "make 'provides ... with' in module-info.java and " + SERVICES
                    + " name the same classes");
        }
    }

    /** @return the non-comment lines of a services file */
    private static List<String> entries(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                .map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * The compiled {@code module-info.class} of the class path entry (folder or jar) that holds
     * {@code type}, if it has one.
     */
    private static Optional<ModuleDescriptor> classPathDescriptor(Class<?> type, String name) throws IOException {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) {
            return Optional.empty();
        }
        Path entry;
        try {
            entry = Path.of(cs.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
        try {
            if (Files.isDirectory(entry)) {
                Path info = entry.resolve("module-info.class");
                if (!Files.isRegularFile(info)) {
                    return Optional.empty();
                }
                try (InputStream in = Files.newInputStream(info)) {
                    return Optional.of(ModuleDescriptor.read(in));
                }
            }
            if (!Files.isRegularFile(entry)) {
                return Optional.empty();
            }
            try (JarFile jar = new JarFile(entry.toFile(), false, ZipFile.OPEN_READ, Runtime.version())) {
                JarEntry info = jar.getJarEntry("module-info.class");
                if (info == null) {
                    return Optional.empty();
                }
                try (InputStream in = jar.getInputStream(info)) {
                    return Optional.of(ModuleDescriptor.read(in));
                }
            }
        } catch (InvalidModuleDescriptorException e) {
            throw Rules.broken("4.1", name, "the module-info.class of " + entry + " cannot be read: " + e.getMessage(),
                    "module-info.java of the method's jar", e);
        }
    }

    /** Rule 4.2: the API version the method was compiled against is one this API runs. */
    static void apiVersion(MethodProvider provider) {
        int v = provider.apiVersion();
        if (!MultifdApi.isSupported(v)) {
            throw Rules.broken("4.2", safeName(provider), "apiVersion() is " + v + ", but this multifd-api is version "
                    + MultifdApi.API_VERSION + " and runs methods of " + MultifdApi.supportedVersions(), "rebuild the method against multifd-api of API version "
                    + MultifdApi.API_VERSION + ", and implement apiVersion() as 'return MultifdApi.API_VERSION;'");
        }
    }

    /**
     * The provider as ServiceLoader sees it, from the provider's module layer (module path) or
     * class loader (class path), if it is registered.
     */
    private static Optional<ServiceLoader.Provider<MethodProvider>> findRegistered(Class<?> type) {
        try {
            return loader(type).stream().filter(p -> p.type().equals(type)).findFirst();
        } catch (ServiceConfigurationError e) {
            return Optional.empty(); // a broken registration elsewhere; the registry reports it
        }
    }

    private static ServiceLoader<MethodProvider> loader(Class<?> type) {
        Module module = type.getModule();
        return module.isNamed() && module.getLayer() != null
                ? ServiceLoader.load(module.getLayer(), MethodProvider.class)
                : ServiceLoader.load(MethodProvider.class, type.getClassLoader());
    }

    private static Constructor<?> publicNoArgConstructor(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        try {
            Constructor<?> c = type.getConstructor();
            return Modifier.isPublic(c.getModifiers()) ? c : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Method staticProviderMethod(Class<?> type) {
        try {
            Method m = type.getMethod("provider");
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String where(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? "" : cs.getLocation().toString();
    }

    private static String safeName(MethodProvider provider) {
        try {
            return String.valueOf(provider.name());
        } catch (RuntimeException e) {
            return provider.getClass().getName();
        }
    }
}
