package io.multifd.core.image;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A RAMBlock's name and used length, as announced on the main channel.
 *
 * @param name the RAMBlock id string, 1..255 bytes of UTF-8
 * @param size the used length in bytes, a positive multiple of the page size
 * @since 0.1
 */
public record BlockSpec(String name, long size) {

    /**
     * Checks the values.
     *
     * @param name name
     * @param size size
     */
    public BlockSpec {
        Objects.requireNonNull(name, "name");
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > 255 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("RAMBlock name '" + name + "' must be 1..255 bytes without NUL");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("RAMBlock " + name + " has size " + size + ", expected > 0");
        }
    }

    /**
     * A file name for this block's image: the name with every character outside
     * {@code [A-Za-z0-9._@-]} replaced by {@code _}, leading separators dropped, plus {@code .img}.
     *
     * @return the file name
     */
    public String fileName() {
        String s = name.replaceAll("[^A-Za-z0-9._@-]", "_").replaceAll("^[_.]+", "");
        return (s.isEmpty() ? "block" : s) + ".img";
    }
}
