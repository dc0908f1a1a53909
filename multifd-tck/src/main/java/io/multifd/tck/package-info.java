/**
 * The conformance kit: the contract every multifd compression method passes, checked rule by
 * rule.
 *
 * <ul>
 * <li>{@link io.multifd.tck.MethodContract}: implement it in your method's tests with one class
 * returning your provider; each inherited check is named after the numbered rule of
 * {@code io.multifd.api} it checks.</li>
 * <li>{@link io.multifd.tck.MethodContractSettings}: your method's limits and the checks that do
 * not apply to it, each with a reason.</li>
 * <li>{@link io.multifd.tck.ConformanceRunner}: runs the contract on providers found at run time
 * (the CLI's {@code conformance} command) and returns a {@link io.multifd.tck.ConformanceReport},
 * optionally writing JUnit XML.</li>
 * <li>{@link io.multifd.tck.Loopback}: plumbing for a method's own, method-specific tests: sends
 * pages through multifd-core's channel layer in memory, records each packet, and replays recorded,
 * altered or hand-built packets into a receiver.</li>
 * </ul>
 *
 * @since 0.1
 */
package io.multifd.tck;
