package io.multifd.core.registry;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Loads the jars of a plugins folder, each on its own (see {@link MethodRegistry#discover(Path)}).
 */
final class PluginLoader {

    private PluginLoader() {
    }

    static void scan(Path dir, MethodRegistry.Collector c) throws MultifdException {
        if (!Files.isDirectory(dir)) {
            throw new MultifdException("plugins folder " + dir + " is not a directory");
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    jars.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot list the plugins folder " + dir + ": " + e.getMessage(), e);
        }
        Collections.sort(jars);
        Module self = MethodRegistry.class.getModule();
        boolean modular = self.isNamed() && MethodProvider.class.getModule().isNamed() && self.getLayer() != null;
        for (Path jar : jars) {
            int found = modular ? scanAsModule(jar, self.getLayer(), c) : scanWithLoader(jar, c);
            if (found == 0) {
                c.problem(jar.toString(), "unknown class", "the jar provides no " + MethodProvider.class.getName()
                        + " (no 'provides' in module-info and no " + MethodRegistry.SERVICE_FILE + ")", null);
            }
        }
    }

    /** Module path: the jar becomes a module (explicit or automatic) in its own layer. */
    private static int scanAsModule(Path jar, ModuleLayer parent, MethodRegistry.Collector c) {
        ModuleLayer layer;
        try {
            ModuleFinder finder = ModuleFinder.of(jar);
            Set<ModuleReference> refs = finder.findAll();
            if (refs.isEmpty()) {
                c.problem(jar.toString(), "unknown class", "not a module or jar", null);
                return 1;
            }
            String module = refs.iterator().next().descriptor().name();
            Configuration cf = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), Set.of(module));
            layer = parent.defineModulesWithOneLoader(cf, MethodRegistry.class.getClassLoader());
        } catch (FindException | ResolutionException | LayerInstantiationException | SecurityException e) {
            c.problem(jar.toString(), "unknown class", "cannot be loaded as a module: " + MethodRegistry.describe(e), e);
            return 1;
        }
        ModuleLayer own = layer;
        return MethodRegistry.scan(ServiceLoader.load(own, MethodProvider.class),
                type -> type.getModule().getLayer() == own, jar.toString(), null, c);
    }

    /** Class path: the jar gets its own class loader that sees only its own service file. */
    private static int scanWithLoader(Path jar, MethodRegistry.Collector c) {
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (MalformedURLException e) {
            c.problem(jar.toString(), "unknown class", "cannot be turned into a URL: " + e, e);
            return 1;
        }
        URLClassLoader loader = new URLClassLoader("multifd-plugin " + jar.getFileName(), new URL[]{url},
                new ServiceFilesHidden(MethodRegistry.class.getClassLoader()));
        return MethodRegistry.scan(ServiceLoader.load(MethodProvider.class, loader),
                type -> type.getClassLoader() == loader, jar.toString(), null, c);
    }

    /**
     * Delegates classes and resources to the framework's loader but hides its
     * {@code META-INF/services} files, so a plugin's loader finds only the plugin's providers.
     */
    private static final class ServiceFilesHidden extends ClassLoader {

        static {
            registerAsParallelCapable();
        }

        ServiceFilesHidden(ClassLoader parent) {
            super("multifd-plugin-parent", parent);
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith("META-INF/services/") ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
