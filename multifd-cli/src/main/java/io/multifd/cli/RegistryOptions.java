package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.registry.MethodRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --plugins DIR}, shared by every command that needs the methods: the registry of the
 * module path, the class path and a plugins folder (by default the launcher's
 * {@code -Dmultifd.plugins}, when that folder exists).
 */
public final class RegistryOptions {

    /** The system property the launcher sets to the default plugins folder. */
    public static final String PLUGINS_PROPERTY = "multifd.plugins";

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "Also load the method jars of this folder (default: the launcher's plugins folder).")
    Path plugins;

    /** Created by picocli. */
    public RegistryOptions() {
    }

    /**
     * The plugins folder in effect.
     *
     * @param cl the command, for usage errors
     * @return the folder, or null for none
     * @throws CommandLine.ParameterException when {@code --plugins} names no folder
     */
    public Path pluginsDir(CommandLine cl) {
        if (plugins != null) {
            if (!Files.isDirectory(plugins)) {
                throw new CommandLine.ParameterException(cl, "--plugins " + plugins + " is not a folder");
            }
            return plugins;
        }
        String def = System.getProperty(PLUGINS_PROPERTY);
        if (def != null && !def.isBlank() && Files.isDirectory(Path.of(def))) {
            return Path.of(def);
        }
        return null;
    }

    /**
     * Discovers the methods.
     *
     * @param cl the command, for usage errors
     * @return the registry
     * @throws MultifdException when two providers declare the same name or flag
     */
    public MethodRegistry registry(CommandLine cl) throws MultifdException {
        Path dir = pluginsDir(cl);
        return dir == null ? MethodRegistry.discover() : MethodRegistry.discover(dir);
    }
}
