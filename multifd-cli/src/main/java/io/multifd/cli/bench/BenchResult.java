package io.multifd.cli.bench;

import java.util.Map;

/**
 * One benchmark run: a method with its settings over a number of channels.
 *
 * @param method          the method's name
 * @param parameters      its settings
 * @param channels        data channels
 * @param transport       {@code inproc}, {@code tcp} (one JVM) or {@code jvm2} (two JVMs)
 * @param imageBytes      bytes of the image
 * @param wireBytes       bytes the source put on its data channels
 * @param normalPages     pages sent with their contents
 * @param zeroPages       pages listed as zero
 * @param encodeSeconds   in-process: wall time of the source (encode and write); NaN over TCP
 * @param decodeSeconds   in-process: wall time of the destination (read and decode); NaN over TCP
 * @param endToEndSeconds over TCP: wall time from connect to the destination's verdict; NaN in-process
 * @param encodeCpuSeconds time in the method's send hooks, all channels
 * @param decodeCpuSeconds time in the method's receive hooks, all channels
 * @param sourceCpuSeconds CPU seconds of the source process during the timed run (jvm2; else NaN)
 * @param destinationCpuSeconds CPU seconds of the destination process during the timed run (jvm2; else NaN)
 * @param destinationMemory {@code prealloc} (touched before the run) or {@code cold}
 */
public record BenchResult(String method, Map<String, String> parameters, int channels, String transport,
                          long imageBytes, long wireBytes, long normalPages, long zeroPages, double encodeSeconds,
                          double decodeSeconds, double endToEndSeconds, double encodeCpuSeconds,
                          double decodeCpuSeconds, double sourceCpuSeconds, double destinationCpuSeconds,
                          String destinationMemory) {

    private static final double MIB = 1 << 20;

    /** @return image bytes per wire byte */
    public double ratio() {
        return wireBytes == 0 ? 0 : (double) imageBytes / wireBytes;
    }

    /** @return MiB of image per second of encoding (NaN over TCP) */
    public double encodeMiBps() {
        return imageBytes / MIB / encodeSeconds;
    }

    /** @return MiB of image per second of decoding (NaN over TCP) */
    public double decodeMiBps() {
        return imageBytes / MIB / decodeSeconds;
    }

    /** @return MiB of image per second end to end (NaN in-process) */
    public double endToEndMiBps() {
        return imageBytes / MIB / endToEndSeconds;
    }

    /** @return {@code zstd{level=1}} or {@code none} */
    public String label() {
        return parameters.isEmpty() ? method : method + parameters;
    }
}
