package io.multifd.cli;

import io.multifd.api.MethodProvider;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.tck.MethodContract;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a project of {@code examples/} with Maven, as its author would, against the multifd jars
 * of this build.
 *
 * <p>The project is copied to a temporary folder and built there with a local repository of its
 * own: links to every group of the real local repository (for the plugins and libraries, which
 * Maven may download there if they are missing) except {@code io.multifd}, which holds the parent
 * pom, multifd-api, multifd-core and multifd-tck of this build, taken from this test's class path
 * (jars, or class folders packed into jars). So the build needs no {@code mvn install} of the
 * reactor, and never sees older multifd jars of the real local repository.
 */
final class ExampleBuild {

    private static final Pattern PARENT_VERSION =
            Pattern.compile("<artifactId>multifd-parent</artifactId>\\s*<version>([^<]+)</version>");

    private ExampleBuild() {
    }

    /** @return the root of the source tree (this module runs with its own folder as working directory) */
    static Path projectRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples")) && Files.isRegularFile(p.resolve("multifd-api/pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("no multifd source tree (with examples/ and multifd-api/) above " + cwd);
    }

    /**
     * Builds {@code examples/<name>} with {@code mvn package}, skipping its own tests (the caller
     * runs the kit on the jar), and returns the jar.
     *
     * @param name the example's folder
     * @param work a folder for the copy, the repository and the log
     * @return the built jar
     * @throws Exception when the build fails, with its log
     */
    static Path buildJar(String name, Path work) throws Exception {
        Path root = projectRoot();
        String version = version(root);
        Path project = work.resolve(name);
        copyProject(root.resolve("examples").resolve(name), project);
        Path repo = work.resolve("m2");
        prepareRepository(root, version, repo);
        Path log = work.resolve(name + "-build.log");
        List<String> cmd = List.of("mvn", "-B", "-q", "-nsu", "-Dmaven.repo.local=" + repo,
                "-Dmultifd.version=" + version, "-Dmaven.test.skip=true", "package");
        Process p = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("mvn package of examples/" + name + " took more than 5 minutes: "
                    + Files.readString(log));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " in " + project + " exited " + p.exitValue() + ":\n"
                    + Files.readString(log));
        }
        try (Stream<Path> files = Files.list(project.resolve("target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")
                    && !f.getFileName().toString().startsWith("original-")).findFirst()
                    .orElseThrow(() -> new AssertionError("mvn package of examples/" + name + " made no jar"));
        }
    }

    static String version(Path root) throws IOException {
        Matcher m = PARENT_VERSION.matcher(Files.readString(root.resolve("pom.xml")));
        if (!m.find()) {
            throw new AssertionError("no version of multifd-parent in " + root.resolve("pom.xml"));
        }
        return m.group(1).trim();
    }

    private static void copyProject(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path rel = from.relativize(f);
                if (!rel.toString().isEmpty() && rel.getName(0).toString().startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(f, dest);
                }
            }
        }
    }

    private static void prepareRepository(Path root, String version, Path repo) throws Exception {
        Path real = localRepository();
        Files.createDirectories(repo);
        try (Stream<Path> groups = Files.list(real)) {
            for (Path g : groups.toList()) {
                if (!g.getFileName().toString().equals("io")) {
                    Files.createSymbolicLink(repo.resolve(g.getFileName().toString()), g);
                }
            }
        }
        Path io = Files.createDirectories(repo.resolve("io"));
        if (Files.isDirectory(real.resolve("io"))) {
            try (Stream<Path> groups = Files.list(real.resolve("io"))) {
                for (Path g : groups.toList()) {
                    if (!g.getFileName().toString().equals("multifd")) {
                        Files.createSymbolicLink(io.resolve(g.getFileName().toString()), g);
                    }
                }
            }
        }
        put(repo, "multifd-parent", version, root.resolve("pom.xml"), null);
        put(repo, "multifd-api", version, root.resolve("multifd-api/pom.xml"), codeSource(MethodProvider.class));
        put(repo, "multifd-core", version, root.resolve("multifd-core/pom.xml"), codeSource(MethodRegistry.class));
        put(repo, "multifd-tck", version, root.resolve("multifd-tck/pom.xml"), codeSource(MethodContract.class));
    }

    /** The real local repository: where this test's picocli jar lies. */
    private static Path localRepository() throws URISyntaxException {
        Path jar = codeSource(CommandLine.class);
        Path repo = jar;
        for (int i = 0; i < 5 && repo != null; i++) {
            repo = repo.getParent();
        }
        if (repo == null || !Files.isDirectory(repo.resolve("info/picocli/picocli"))) {
            throw new AssertionError("picocli is not in a Maven local repository: " + jar);
        }
        return repo;
    }

    private static Path codeSource(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void put(Path repo, String artifact, String version, Path pom, Path classes) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/multifd").resolve(artifact).resolve(version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (classes == null) {
            return;
        }
        Path jar = dir.resolve(artifact + "-" + version + ".jar");
        if (Files.isDirectory(classes)) {
            packJar(classes, jar);
        } else {
            Files.copy(classes, jar);
        }
    }

    private static void packJar(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            List<Path> all = new ArrayList<>(files.filter(Files::isRegularFile).toList());
            for (Path f : all) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
    }

    /** @return the text of a file, for messages */
    static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e + ")";
        }
    }
}
