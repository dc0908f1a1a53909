package io.multifd.core.image;

import io.multifd.api.MultifdApi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A set of named RAMBlocks with their storage: direct buffers, or files mapped into memory (the
 * image is never copied into the heap). Used as the source of a transfer and as its destination.
 *
 * @since 0.1
 */
public final class MemoryImage implements AutoCloseable {

    /** Storage is mapped in chunks of this many bytes (1 GiB), so blocks may exceed 2 GiB. */
    static final int CHUNK_SHIFT = 30;

    /** {@link #mapForSending} maps in chunks of this many bytes (16 MiB): what it releases at a time. */
    static final int SEND_WINDOW_SHIFT = 24;

    private final int pageSize;
    private final Map<String, Block> byName;
    private final List<Block> blocks;
    private final List<FileChannel> files;
    /** Whether a session is sending this image (see {@link #claimForSending()}). */
    private final AtomicBoolean sending = new AtomicBoolean();

    private MemoryImage(int pageSize, List<Block> blocks, List<FileChannel> files) {
        this.pageSize = pageSize;
        this.blocks = Collections.unmodifiableList(blocks);
        Map<String, Block> m = new LinkedHashMap<>();
        for (Block b : blocks) {
            if (m.put(b.name(), b) != null) {
                throw new IllegalArgumentException("RAMBlock " + b.name() + " appears twice");
            }
        }
        this.byName = m;
        this.files = files;
    }

    /**
     * Blocks in zeroed direct memory (outside the heap).
     *
     * @param pageSize the page size
     * @param specs    the blocks
     * @return the image
     */
    public static MemoryImage allocate(int pageSize, List<BlockSpec> specs) {
        List<Block> blocks = new ArrayList<>();
        for (BlockSpec s : specs) {
            checkSize(s, pageSize);
            List<ByteBuffer> chunks = new ArrayList<>();
            for (long at = 0; at < s.size(); at += 1L << CHUNK_SHIFT) {
                chunks.add(ByteBuffer.allocateDirect((int) Math.min(1L << CHUNK_SHIFT, s.size() - at)));
            }
            blocks.add(new Block(s, blocks.size(), pageSize, CHUNK_SHIFT, chunks, true));
        }
        return new MemoryImage(pageSize, blocks, List.of());
    }

    /**
     * One block over existing buffers of {@code 1 << 30} bytes each (the last may be shorter).
     *
     * @param pageSize the page size
     * @param spec     the block
     * @param storage  its bytes, position 0
     * @param startsZero whether the storage is all zero (a fresh destination)
     * @return the image
     */
    public static MemoryImage wrap(int pageSize, BlockSpec spec, List<ByteBuffer> storage, boolean startsZero) {
        checkSize(spec, pageSize);
        return new MemoryImage(pageSize, new ArrayList<>(List.of(
                new Block(spec, 0, pageSize, CHUNK_SHIFT, storage, startsZero))), List.of());
    }

    /**
     * Maps one file per block. For writing, each file is created (or truncated) and sized first,
     * so it starts zero and stays sparse where zero pages arrive.
     *
     * @param pageSize the page size
     * @param files    block to file, in block order
     * @param write    map for writing (a destination) or read-only (a source)
     * @return the image
     * @throws UncheckedIOException when a file cannot be opened, sized or mapped
     */
    public static MemoryImage mapFiles(int pageSize, Map<BlockSpec, Path> files, boolean write) {
        return map(pageSize, files, write, CHUNK_SHIFT, false);
    }

    /**
     * Maps one file per block read-only, as the source of a transfer that need not keep the pages
     * it sent resident: the files are mapped in storage chunks (windows) of 16 MiB,
     * and a {@code SourceSession} releases each window once every channel is done
     * with it in a pass (see {@link Block#release}), so the process's resident set holds a few
     * windows of the image rather than all of it. A later pass maps the pages in again from the
     * files. Views of a page ({@link Block#readPage} and the like) are valid only until the window
     * holding them is released: a caller that reads pages itself while a session runs must use
     * {@link #mapFiles} instead, and one session at a time sends such an image (a second is
     * refused: {@link #claimForSending()}). Where unmapping is not available (see {@link Block#releasable()}),
     * this is {@code mapFiles(pageSize, files, false)} with smaller chunks.
     *
     * @param pageSize the page size
     * @param files    block to file, in block order
     * @return the image
     * @throws UncheckedIOException when a file cannot be opened or mapped, or is too short
     */
    public static MemoryImage mapForSending(int pageSize, Map<BlockSpec, Path> files) {
        return map(pageSize, files, false, SEND_WINDOW_SHIFT, true);
    }

    static MemoryImage map(int pageSize, Map<BlockSpec, Path> files, boolean write, int chunkShift,
                           boolean releasable) {
        MultifdApi.checkPageSize(pageSize);
        if (chunkShift > CHUNK_SHIFT || 1L << chunkShift < pageSize) {
            throw new IllegalArgumentException("chunks of 2^" + chunkShift + " bytes for pages of " + pageSize);
        }
        long chunkSize = 1L << chunkShift;
        FileChannel.MapMode mode = write ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY;
        List<Block> blocks = new ArrayList<>();
        List<FileChannel> open = new ArrayList<>();
        try {
            for (Map.Entry<BlockSpec, Path> e : files.entrySet()) {
                BlockSpec s = e.getKey();
                checkSize(s, pageSize);
                FileChannel fc = write
                        ? FileChannel.open(e.getValue(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                        : FileChannel.open(e.getValue(), StandardOpenOption.READ);
                open.add(fc);
                if (write) {
                    fc.truncate(0);
                    fc.write(ByteBuffer.allocate(1), s.size() - 1);
                } else if (fc.size() < s.size()) {
                    throw new IOException(e.getValue() + " has " + fc.size() + " bytes, RAMBlock " + s.name()
                            + " needs " + s.size());
                }
                List<ByteBuffer> chunks = new ArrayList<>();
                for (long at = 0; at < s.size(); at += chunkSize) {
                    chunks.add(fc.map(mode, at, Math.min(chunkSize, s.size() - at)));
                }
                long size = s.size();
                Block.Remap remap = !releasable ? null
                        : c -> fc.map(mode, c * chunkSize, Math.min(chunkSize, size - c * chunkSize));
                blocks.add(new Block(s, blocks.size(), pageSize, chunkShift, chunks, write, remap));
            }
        } catch (IOException ex) {
            closeAll(open);
            throw new UncheckedIOException("cannot map image files: " + ex.getMessage(), ex);
        }
        return new MemoryImage(pageSize, blocks, open);
    }

    private static void checkSize(BlockSpec s, int pageSize) {
        MultifdApi.checkPageSize(pageSize);
        if (s.size() % pageSize != 0) {
            throw new IllegalArgumentException("RAMBlock " + s.name() + " size " + s.size()
                    + " is not a multiple of the page size " + pageSize);
        }
    }

    /** @return the page size */
    public int pageSize() {
        return pageSize;
    }

    /** @return the blocks in order */
    public List<Block> blocks() {
        return blocks;
    }

    /** @return the blocks' names and sizes */
    public List<BlockSpec> specs() {
        return blocks.stream().map(Block::spec).toList();
    }

    /**
     * @param name a RAMBlock name
     * @return the block, if the image has it
     */
    public Optional<Block> block(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** @return the total bytes of all blocks */
    public long totalBytes() {
        return blocks.stream().mapToLong(Block::size).sum();
    }

    /**
     * Marks the image as being sent by one session. An image from {@link #mapForSending} has its
     * windows released by the session sending it, so a second session reading it at the same
     * time could touch a window the first one unmapped (a JVM crash): that is refused here. Other
     * images may be sent by several sessions at once.
     *
     * @return what ends the claim (closing it twice is harmless)
     * @throws IllegalStateException when the image's windows are released and another session is
     *                               sending it
     */
    public AutoCloseable claimForSending() {
        if (blocks.stream().noneMatch(Block::releasable)) {
            return () -> { };
        }
        if (!sending.compareAndSet(false, true)) {
            throw new IllegalStateException("this image, mapped for sending (its windows are given back once "
                    + "sent), is already being sent by another session: map it with mapFiles to send it twice at once");
        }
        AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) {
                sending.set(false);
            }
        };
    }

    /**
     * Writes mapped pages to their files ({@code MappedByteBuffer.force}); a no-op for memory.
     */
    public void force() {
        for (Block b : blocks) {
            b.forceAll();
        }
    }

    @Override
    public void close() {
        closeAll(files);
    }

    private static void closeAll(List<FileChannel> channels) {
        for (FileChannel fc : channels) {
            try {
                fc.close();
            } catch (IOException ignored) {
                // closing a mapped file's channel cannot lose data: the mapping stays valid
            }
        }
    }
}
