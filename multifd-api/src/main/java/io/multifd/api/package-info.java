/**
 * The multifd method contract: what a compression method implements, and what the framework
 * (multifd-core, the conformance kit) promises it in return.
 *
 * <h2>Glossary</h2>
 * <dl>
 * <dt>channel</dt>
 * <dd>One multifd TCP connection, numbered {@code 0..N-1}. Every hook call for a channel is made
 * by that channel's own thread; channels run concurrently.</dd>
 * <dt>page</dt>
 * <dd>{@code pageSize} bytes of one RAMBlock at a page-aligned byte offset.</dd>
 * <dt>packet</dt>
 * <dd>A RAM header (flags, counts, {@code next_packet_size}, {@code packet_num}, RAMBlock name,
 * offsets) followed by a payload of exactly {@code next_packet_size} bytes. One packet carries at
 * most {@link io.multifd.api.MultifdApi#packetCapacity(int) packetCapacity} pages of one
 * RAMBlock.</dd>
 * <dt>normal page / zero page</dt>
 * <dd>A normal page travels in the payload. A zero page is all zero bytes, is detected by the
 * framework (never by a method), is listed by offset only and has no payload.</dd>
 * <dt>sync point</dt>
 * <dd>A SYNC packet (no pages, no payload) that the framework sends on every channel at setup and
 * after each pass; methods never see it.</dd>
 * <dt>owned buffer</dt>
 * <dd>A buffer a method allocated in a setup hook and keeps in its state slot. It stays valid
 * until the matching cleanup hook.</dd>
 * <dt>state slot</dt>
 * <dd>{@link io.multifd.api.ChannelContext#state()}: one object per channel and direction that
 * belongs to the method (its compressor, its buffers).</dd>
 * </dl>
 *
 * <h2>Call grammar (per channel and direction)</h2>
 * <pre>
 *   send:    sendSetup  sendPrepare*  sendCleanup
 *   receive: recvSetup  recv*         recvCleanup
 * </pre>
 *
 * <h2>Rules</h2>
 * The words MUST, MUST NOT, SHOULD and MAY are used as in RFC 2119. The conformance kit
 * (multifd-tck) names each of its checks after the rule it checks, e.g. {@code rule_2_4_...}.
 *
 * <h3>1. General</h3>
 * <ul>
 * <li>1.1 The framework calls the hooks of one channel and direction in the order of
 * the grammar above, from one thread at a time (the channel thread). A method MUST NOT share
 * mutable state between channels except through thread-safe means; all per-channel state
 * belongs in the state slot.</li>
 * <li>1.2 A {@link io.multifd.api.MethodProvider} is a cheap factory: its constructor MUST NOT
 * load native code, open files or fail; availability is reported by
 * {@link io.multifd.api.MethodProvider#availability()}.</li>
 * <li>1.3 Every failure a hook reports is a {@link io.multifd.api.MultifdException}, built with
 * {@link io.multifd.api.ChannelContext#failure(String, String)} so that it names the channel,
 * the packet and the field at fault. A hook MUST NOT throw any other exception type for bad
 * input; the framework treats any other {@code RuntimeException} or {@code Error} as a bug of the
 * method and reports it as such.</li>
 * <li>1.4 If a setup hook fails, the framework still calls the matching cleanup hook exactly once,
 * so cleanup MUST cope with a partially filled or empty state slot. Cleanup is also called
 * after a failed {@code sendPrepare} or {@code recv}. A second cleanup call MUST be harmless.</li>
 * <li>1.5 Cleanup MUST release everything setup allocated (native contexts, {@code Deflater},
 * {@code Inflater}, direct buffers it owns) and MUST leave the state slot empty
 * ({@code setState(null)}). The framework checks the slot after cleanup.</li>
 * <li>1.6 The wire flag of a method ({@link io.multifd.api.MethodFlag}) is a value of the
 * compression field {@code 0x3E}, not a bit; QEMU's values are reserved for QEMU's methods.</li>
 * </ul>
 *
 * <h3>2. Send side</h3>
 * <ul>
 * <li>2.1 {@code sendSetup} runs once per channel on the channel thread before the first
 * packet. It MUST declare its payload buffer count with
 * {@link io.multifd.api.SendChannel#setIovSlots(int)} (the most buffers it will add to one
 * packet) and MAY allocate its compressor and output buffers into the state slot.</li>
 * <li>2.2 {@code sendPrepare} runs once per RAM data packet (never for SYNC packets), including
 * packets whose batch holds zero pages only. The framework has reset flags, payload list and
 * size beforehand.</li>
 * <li>2.3 It MUST add exactly the payload with {@link io.multifd.api.SendChannel#addPayload}
 * (nothing when the batch has no normal page), covering the normal pages in batch order.</li>
 * <li>2.4 It MUST set {@code next_packet_size} to the exact number of payload bytes added
 * (0 without normal pages), never more than {@link io.multifd.api.MultifdMethod#maxPayloadSize}.</li>
 * <li>2.5 It MUST set exactly its own flag with
 * {@link io.multifd.api.SendChannel#setCompression(MethodFlag)}, even when there are no normal
 * pages.</li>
 * <li>2.6 It MUST call {@link io.multifd.api.SendChannel#fillPacket()} last, once.</li>
 * <li>2.7 The pages of a batch MAY be live memory that changes while the hook runs. A method whose
 * output would be corrupt when its input changes mid-call (zlib, see QEMU's P-ZLIB-1) MUST copy
 * each page before compressing it. Buffers added as payload MUST stay unchanged until the next
 * hook call on that channel.</li>
 * <li>2.8 Compression state MAY carry over from packet to packet of one channel (zlib and zstd
 * keep one endless stream per channel); each packet's payload MUST then end at a point where the
 * receiver can produce all of the packet's pages from it and the earlier payloads of that
 * channel (a sync flush).</li>
 * <li>2.9 A page view spans {@code position..limit} of its buffer, and the position need not be
 * 0 (the framework reuses one view object per batch slot). A method MUST NOT assume position 0
 * or capacity {@code pageSize}, nor keep a view after the hook returns (send: after the packet
 * was written). The same holds for {@link io.multifd.api.RecvChannel#pageBuffer(int)} and
 * {@link io.multifd.api.RecvChannel#pageRun(int)}.</li>
 * </ul>
 *
 * <h3>3. Receive side</h3>
 * <ul>
 * <li>3.1 {@code recvSetup} runs once per channel before its first packet and MAY
 * allocate the decompressor and an input buffer of at most
 * {@link io.multifd.api.MultifdMethod#maxPayloadSize} bytes for a full packet.</li>
 * <li>3.2 {@code recv} runs only for packets that list at least one normal page, after the
 * framework validated the header: counts, RAMBlock, offsets (page aligned, inside the block),
 * that the compression field equals the method's flag, and that {@code next_packet_size} is at
 * most {@code maxPayloadSize(normalCount, pageSize)}. The framework writes zero pages itself.</li>
 * <li>3.3 It MUST read exactly {@code next_packet_size} payload bytes with
 * {@link io.multifd.api.RecvChannel#readPayload} and nothing after them; the framework checks that
 * the whole payload was consumed.</li>
 * <li>3.4 It MUST write each normal page {@code i} into
 * {@link io.multifd.api.RecvChannel#pageBuffer(int)} exactly once and fully ({@code pageSize}
 * bytes), and never write outside those buffers. Writing a run of pages through
 * {@link io.multifd.api.RecvChannel#pageRun(int)} is writing each of its pages (API version 3).</li>
 * <li>3.5 A payload that does not decode to exactly {@code normalCount * pageSize} bytes, or that
 * has bytes left over, MUST end in a {@link io.multifd.api.MultifdException} naming what was
 * wrong. Sizes read from the payload itself (length tables) MUST be checked before they are used
 * to allocate memory or are handed to native code.</li>
 * <li>3.6 {@code recvCleanup} MUST release what {@code recvSetup} allocated (rule 1.5).</li>
 * </ul>
 *
 * <h3>4. Providers</h3>
 * <ul>
 * <li>4.1 {@link io.multifd.api.MethodProvider#name()} is unique among the providers
 * found, matches {@code [a-z][a-z0-9-]{0,31}}, and so is the flag.</li>
 * <li>4.2 {@link io.multifd.api.MethodProvider#apiVersion()} returns
 * {@link io.multifd.api.MultifdApi#API_VERSION} as it was when the method was compiled; the
 * framework runs methods of the versions {@link io.multifd.api.MultifdApi#isSupported(int)}
 * accepts and refuses others, naming both versions.</li>
 * <li>4.3 {@link io.multifd.api.MethodProvider#create(MethodSettings)} receives settings already
 * checked against {@link io.multifd.api.MethodProvider#parameters()}.</li>
 * </ul>
 *
 * @since 0.1
 */
package io.multifd.api;
