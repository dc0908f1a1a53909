package io.multifd.core.engine;

import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An {@link ImageSink} in direct memory, for tests and benchmarks: the image stays readable after
 * the transfer through {@link #image()}.
 *
 * @since 0.1
 */
public final class MemorySink implements ImageSink {

    private MemoryImage image;
    private boolean committed;

    /** An empty sink. */
    public MemorySink() {
    }

    @Override
    public synchronized MemoryImage open(List<BlockSpec> blocks, int pageSize) {
        image = MemoryImage.allocate(pageSize, blocks);
        return image;
    }

    @Override
    public synchronized List<Path> commit() {
        committed = true;
        return List.of();
    }

    @Override
    public synchronized void abandon() {
        committed = false;
    }

    /** @return the image, once opened */
    public synchronized Optional<MemoryImage> image() {
        return Optional.ofNullable(image);
    }

    /** @return whether the transfer completed */
    public synchronized boolean committed() {
        return committed;
    }
}
