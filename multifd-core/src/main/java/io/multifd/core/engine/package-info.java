/**
 * The transfer engine: moves a {@link io.multifd.core.image.MemoryImage} from a source to a
 * destination over N parallel data channels in QEMU 10.0's multifd format, with the method both
 * peers agreed on.
 *
 * <h2>Pieces</h2>
 * <ul>
 * <li>{@link io.multifd.core.engine.SourceSession}: one thread per data channel; each pass is a
 * work queue of batches (up to {@code packetCapacity} pages of one block) that idle channels take
 * in turn; a sync point after setup and after every pass (SYNC on every channel, then the flush
 * marker on the main channel). Iterative pre-copy: {@code sendPass(DirtyPages.all())}, then
 * {@code sendPass(dirty)} for the pages written since.</li>
 * <li>{@link io.multifd.core.engine.DestinationSession}: one thread per data channel writing pages
 * straight into the destination image; the sync barrier of spec §6.3 (both halves); checks at the
 * end that every page arrived and the counts match the source's.</li>
 * <li>{@link io.multifd.core.engine.SourceMain} / {@link io.multifd.core.engine.DestinationMain}:
 * the main channel as the sessions see it. {@link io.multifd.core.engine.TcpSource} and
 * {@link io.multifd.core.engine.TcpDestination} use our control protocol below;
 * {@link io.multifd.core.engine.LocalLink} is an in-process link; the QEMU-compatible mode plugs
 * a QEMU migration stream in here.</li>
 * <li>{@link io.multifd.core.engine.Negotiation}: the destination's decision on a hello.</li>
 * </ul>
 *
 * <h2>Connections</h2>
 * The source connects the main channel first, sends the hello and reads the reply; only after an
 * accept does it open the N data connections to the same address. Every data connection starts
 * with QEMU's 64-byte init packet carrying the transfer UUID of the hello and the channel id; the
 * destination rejects a wrong magic, version or UUID, an id {@code >= N} and a duplicate id, and
 * fails the transfer with that message. The data channels then carry exactly QEMU's packets (spec
 * §2): our protocol lives on the main channel only.
 *
 * <h2>Control protocol on the main channel (version 1)</h2>
 * All integers big-endian; {@code text8}/{@code text16}/{@code text32} are UTF-8 strings with a
 * u8/u16/u32 byte-length prefix.
 * <pre>
 * handshake message = magic u32 "MFDJ" (0x4D46444A), version u16, type u16, length u32, body[length]
 *   (length at most 1 MiB, checked before the body is read)
 *
 * hello  (type 1, source to destination):
 *   uuid 16 bytes (u64 most significant, u64 least significant), pageSize u32, channels u16,
 *   blockCount u32 (at most 4096), blockCount x { name text16 (1..255 bytes, no NUL), size u64 },
 *   offerCount u16 (at most 64), offerCount x { name text8 ([a-z][a-z0-9-]{0,31}), flag u8,
 *     apiVersion u32, version text8, paramCount u8 (at most 16),
 *     paramCount x { key text8, value text16 (at most 256 bytes) } }      offers in preference order
 * accept (type 2, destination to source):
 *   method text8, paramCount u8, paramCount x { key text8, value text16 }, version text8
 * refuse (type 3, destination to source):
 *   reason text32 (at most 64 KiB); the destination then closes the connection
 *
 * after an accept, frames in both directions = type u8, length u32, body[length]:
 *   0x10 FLUSH  source to destination, length 8:  sync point number u64 (1 = setup sync)
 *   0x11 END    source to destination, length 32: flushes u64, dataPackets u64, normalPages u64,
 *                                                 zeroPages u64
 *   0x12 ABORT  either direction, length at most 64 KiB: reason, UTF-8
 *   0x13 DONE   destination to source, length at most 64 KiB: summary, UTF-8
 * </pre>
 * The source writes FLUSH k after every data channel wrote its k-th SYNC packet; END after the
 * last FLUSH, then closes the data connections and waits for DONE (every page verified, files
 * renamed) or ABORT. Either side writes ABORT with the reason of its first failure (which names
 * the channel and packet), ends its output and closes every connection. Any other frame type, a
 * length other than 8 or 32 for FLUSH or END, or more than 64 KiB for ABORT and DONE is a protocol
 * error. A destination that sees a data channel close cleanly before END fails after
 * {@link io.multifd.core.engine.EngineOptions#endGrace()}.
 *
 * <p>The destination refuses, before any page flows, with a sentence naming both sides' values:
 * another protocol version; an invalid page size or one other than required; a channel count
 * outside 1..255 (or the configured maximum) or other than required; another UUID than required;
 * no RAMBlock, a size that is not a multiple of the page size; no common method. A method is
 * chosen only from the destination's registry (a name from the wire never loads a class): the
 * first offer, in the source's order, that the destination has, may use, can decode, with the same
 * wire flag and parameter values its provider accepts. Example:
 * {@code destination has no method in common with source: source offers [zstd, zlib], destination
 * has [none, qpl(unavailable: libqpl not found)]}.
 *
 * <h2>QEMU-compatible mode (no hello)</h2>
 * Method, channel count, page size and UUID are configured on both sides, as in QEMU. Build the
 * sessions directly: {@link io.multifd.core.engine.SourceSession#start} with a
 * {@code ResolvedMethod}, the UUID (all zero by default in QEMU), the data connections and a
 * {@link io.multifd.core.engine.SourceMain} that writes the QEMU migration stream (QEVM header and
 * RAM setup record before the setup flush, a {@code 0x200} record per
 * {@link io.multifd.core.engine.SourceMain#flush}, {@code QEMU_VM_EOF} at
 * {@link io.multifd.core.engine.SourceMain#end}); and a
 * {@link io.multifd.core.engine.DestinationSession} with a
 * {@link io.multifd.core.engine.DestinationMain} that turns the main stream into
 * {@link io.multifd.core.engine.MainEvent.Blocks} (RAM setup), one
 * {@link io.multifd.core.engine.MainEvent.Flush} per {@code 0x200} record and
 * {@link io.multifd.core.engine.MainEvent.End} at EOF (without a summary). Connections are told
 * apart by their first 4 bytes ({@code QEVM} = main, anything else a data channel whose init
 * packet gives its id).
 *
 * <h2>Timeouts and failures</h2>
 * Connections are blocking socket channels; a {@code Watchdog} closes one whose read or write has
 * made no progress for {@link io.multifd.core.engine.EngineOptions#ioTimeout()} (a stalled peer),
 * and the blocked call then fails with a message saying so. Sizes from the wire are bounded
 * before anything is allocated (hello body, counts, names, frames; packets by the channel layer).
 * No thread or connection outlives {@code close()}.
 *
 * @since 0.1
 */
package io.multifd.core.engine;
