package io.multifd.core.engine;

import io.multifd.core.ResolvedMethod;

import java.nio.file.Path;
import java.util.List;

/**
 * A completed transfer on the destination.
 *
 * @param hello   what the source announced
 * @param method  the method used
 * @param stats   the destination's statistics
 * @param outputs the final files (empty for memory)
 * @since 0.1
 */
public record DestinationResult(Hello hello, ResolvedMethod method, TransferStats stats, List<Path> outputs) {

    /**
     * Copies.
     *
     * @param hello   hello
     * @param method  method
     * @param stats   stats
     * @param outputs outputs
     */
    public DestinationResult {
        outputs = List.copyOf(outputs);
    }
}
