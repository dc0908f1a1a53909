package io.multifd.core.engine;

import io.multifd.core.image.BlockSpec;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The source's first message on the main channel: everything the destination must agree to before
 * any page flows.
 *
 * @param protocolVersion the control protocol version ({@value ControlProtocol#VERSION})
 * @param uuid            the transfer's UUID, carried again by every channel's init packet
 * @param pageSize        the page size
 * @param channels        the number of data channels, {@code 1..255}
 * @param blocks          the RAMBlocks (names, sizes), in order
 * @param offers          the methods the source can encode with, in preference order
 * @since 0.1
 */
public record Hello(int protocolVersion, UUID uuid, int pageSize, int channels, List<BlockSpec> blocks,
                    List<MethodOffer> offers) {

    /**
     * Copies the lists.
     *
     * @param protocolVersion version
     * @param uuid            uuid
     * @param pageSize        page size
     * @param channels        channels
     * @param blocks          blocks
     * @param offers          offers
     */
    public Hello {
        Objects.requireNonNull(uuid, "uuid");
        blocks = List.copyOf(blocks);
        offers = List.copyOf(offers);
    }

    /** @return the total bytes of all blocks */
    public long totalBytes() {
        return blocks.stream().mapToLong(BlockSpec::size).sum();
    }
}
