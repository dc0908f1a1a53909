package io.multifd.core.qemu;

import io.multifd.core.json.Json;

/**
 * One decoded RAMBlock and its image file.
 *
 * @param name        the RAMBlock id string
 * @param file        the image file's name in the output folder
 * @param size        the used length in bytes
 * @param sha256      the SHA-256 of the image, lower-case hex
 * @param normalPages normal pages received for this block (multifd packets and main-channel pages;
 *                    a page sent twice counts twice)
 * @param zeroPages   zero pages received for this block (multifd packets and main-channel records)
 * @since 0.1
 */
public record BlockSummary(String name, String file, long size, String sha256, long normalPages, long zeroPages) {

    /**
     * Creates the summary.
     *
     * @param name        name
     * @param file        file
     * @param size        size
     * @param sha256      hash
     * @param normalPages normal pages
     * @param zeroPages   zero pages
     */
    public BlockSummary {
    }

    String toJson() {
        return "{\"name\": " + Json.quote(name) + ", \"file\": " + Json.quote(file) + ", \"size\": " + size
                + ", \"sha256\": " + Json.quote(sha256) + ", \"normal_pages\": " + normalPages + ", \"zero_pages\": "
                + zeroPages + "}";
    }
}
