package io.multifd.core.engine;

import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes the image into files, mapped into memory (sparse where zero pages arrive). Each block is
 * written under a temporary name, {@code FINAL.incomplete}, and renamed to its final name only
 * when the whole transfer succeeded; after a failure the {@code .incomplete} files stay (so the
 * failure can be examined) and no final name is created or replaced.
 *
 * <p>Layout: when the target is an existing directory, or the source sends more than one block,
 * the target is a directory with one file per block, named {@link BlockSpec#fileName()}. Otherwise
 * the target is the file of the single block.
 *
 * @since 0.1
 */
public final class FileSink implements ImageSink {

    /** Suffix of files being written. */
    public static final String INCOMPLETE_SUFFIX = ".incomplete";

    private final Path target;
    private final Map<Path, Path> tempToFinal = new LinkedHashMap<>();
    private MemoryImage image;

    /**
     * A sink writing to a file or directory.
     *
     * @param target the file or directory
     */
    public FileSink(Path target) {
        this.target = target;
    }

    private boolean directoryMode(List<BlockSpec> blocks) {
        return Files.isDirectory(target) || blocks.size() > 1;
    }

    private Map<BlockSpec, Path> finals(List<BlockSpec> blocks) {
        Map<BlockSpec, Path> m = new LinkedHashMap<>();
        if (directoryMode(blocks)) {
            for (BlockSpec b : blocks) {
                m.put(b, target.resolve(b.fileName()));
            }
        } else {
            m.put(blocks.get(0), target);
        }
        return m;
    }

    @Override
    public Optional<String> check(List<BlockSpec> blocks, int pageSize) {
        if (Files.exists(target) && !Files.isDirectory(target) && blocks.size() > 1) {
            return Optional.of("destination writes the single file " + target + " but the source sends "
                    + blocks.size() + " RAMBlocks " + blocks.stream().map(BlockSpec::name).toList()
                    + "; give a directory");
        }
        Set<String> names = new HashSet<>();
        for (Path p : finals(blocks).values()) {
            if (!names.add(p.getFileName().toString())) {
                return Optional.of("two RAMBlocks map to the same file name " + p.getFileName());
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized MemoryImage open(List<BlockSpec> blocks, int pageSize) throws MultifdException {
        Optional<String> problem = check(blocks, pageSize);
        if (problem.isPresent()) {
            throw new MultifdException(problem.get());
        }
        Map<BlockSpec, Path> temps = new LinkedHashMap<>();
        try {
            if (directoryMode(blocks)) {
                Files.createDirectories(target);
            } else if (target.toAbsolutePath().getParent() != null) {
                Files.createDirectories(target.toAbsolutePath().getParent());
            }
            for (Map.Entry<BlockSpec, Path> e : finals(blocks).entrySet()) {
                Path temp = e.getValue().resolveSibling(e.getValue().getFileName() + INCOMPLETE_SUFFIX);
                temps.put(e.getKey(), temp);
                tempToFinal.put(temp, e.getValue());
            }
            image = MemoryImage.mapFiles(pageSize, temps, true);
            return image;
        } catch (IOException | UncheckedIOException e) {
            throw new MultifdException("cannot create the output in " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<Path> commit() throws MultifdException {
        if (image == null) {
            throw new IllegalStateException("commit before open");
        }
        image.force();
        image.close();
        List<Path> out = new ArrayList<>();
        for (Map.Entry<Path, Path> e : tempToFinal.entrySet()) {
            try {
                try {
                    Files.move(e.getKey(), e.getValue(), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException ex) {
                    Files.move(e.getKey(), e.getValue(), StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException ex) {
                throw new MultifdException("cannot rename " + e.getKey() + " to " + e.getValue() + ": " + ex, ex);
            }
            out.add(e.getValue());
        }
        return out;
    }

    @Override
    public synchronized void abandon() {
        if (image != null) {
            image.close();
        }
    }

    /** @return the temporary files being written, while open */
    public synchronized List<Path> incompleteFiles() {
        return List.copyOf(tempToFinal.keySet());
    }
}
