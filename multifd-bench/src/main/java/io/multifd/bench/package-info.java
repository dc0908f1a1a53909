/**
 * JMH benchmarks of one full packet (128 pages of 4 KiB, a guest-like mix) per method:
 * {@link io.multifd.bench.PacketBenchmarks#sendPrepare} (zero-page detection, the method's
 * {@code sendPrepare}, header, gather write to a discarding channel) and
 * {@link io.multifd.bench.PacketBenchmarks#recv} (header validation, zero pages, the method's
 * {@code recv} into a destination image). The build compiles them and never runs them. Run:
 * <pre>
 *   mvn -B -q -pl multifd-bench -am package -DskipTests
 *   java -cp 'multifd-bench/target/lib/*' org.openjdk.jmh.Main -prof gc        # everything
 *   java -cp 'multifd-bench/target/lib/*' org.openjdk.jmh.Main -p method=zstd -f 1 -wi 3 -i 5 -prof gc
 * </pre>
 * {@code gc.alloc.rate.norm} is the allocation per packet.
 */
package io.multifd.bench;
