package io.multifd.core.engine;

import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a destination puts the image: storage opened once the RAMBlocks are known, made final only
 * when every page arrived. A failed transfer never leaves output that looks complete.
 *
 * <p>Call order: {@link #check} (may refuse at the hello), {@link #open}, then exactly one of
 * {@link #commit()} or {@link #abandon()}.
 *
 * @since 0.1
 */
public interface ImageSink {

    /**
     * Whether this sink can hold these blocks; called before the destination accepts the hello.
     *
     * @param blocks   the announced blocks
     * @param pageSize the page size
     * @return a refusal reason, or empty
     */
    default Optional<String> check(List<BlockSpec> blocks, int pageSize) {
        return Optional.empty();
    }

    /**
     * Opens zero-filled storage for the blocks.
     *
     * @param blocks   the blocks
     * @param pageSize the page size
     * @return the image pages are written into
     * @throws MultifdException when storage cannot be created
     */
    MemoryImage open(List<BlockSpec> blocks, int pageSize) throws MultifdException;

    /**
     * Makes the output final: every page arrived and was written through.
     *
     * @return the final files, empty for memory
     * @throws MultifdException when it cannot be made final (the output then stays incomplete)
     */
    List<Path> commit() throws MultifdException;

    /** The transfer failed: releases storage and leaves nothing that looks complete. */
    void abandon();
}
