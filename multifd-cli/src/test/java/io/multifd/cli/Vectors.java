package io.multifd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real QEMU captures: {@code ../shared/vectors/qemu-10.0} seen from the repository root (the
 * CI copy of {@code shared/} sits beside the clone). Found by walking up from the working
 * directory, or given with {@code -Dmultifd.vectors=DIR}. Missing captures fail the test loudly.
 */
public final class Vectors {

    private Vectors() {
    }

    /** @return the folder holding the capture sets */
    public static Path root() {
        String prop = System.getProperty("multifd.vectors");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop);
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-Dmultifd.vectors=" + prop + " is not a folder");
            }
            return p;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("vectors").resolve("qemu-10.0");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("the QEMU capture vectors are missing: no shared/vectors/qemu-10.0 in "
                + start + " or any parent folder (expected ../shared/vectors/qemu-10.0 beside the repository); "
                + "set -Dmultifd.vectors=DIR to point at them");
    }

    /** @return every capture set (a folder with manifest.json), sorted by name; never empty */
    public static List<Path> sets() {
        try (Stream<Path> s = Files.list(root())) {
            List<Path> sets = s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted().toList();
            if (sets.isEmpty()) {
                throw new IllegalStateException("no capture set (folder with manifest.json) in " + root());
            }
            return sets;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A set's manifest.
     *
     * @param set the set's folder
     * @return the parsed manifest
     */
    public static Map<String, Object> manifest(Path set) {
        try {
            return MiniJson.obj(MiniJson.parse(Files.readString(set.resolve("manifest.json"), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The set's main channel, found by its magic (not by the manifest or the name).
     *
     * @param set the set's folder
     * @return the file starting with QEVM
     */
    public static Path mainChannel(Path set) {
        try (Stream<Path> s = Files.list(set)) {
            return s.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin")).filter(p -> {
                try (var in = Files.newInputStream(p)) {
                    byte[] b = in.readNBytes(4);
                    return new String(b, StandardCharsets.ISO_8859_1).equals("QEVM");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).findFirst().orElseThrow(() -> new IllegalStateException("no main channel in " + set));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
