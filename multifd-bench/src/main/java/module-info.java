/**
 * JMH micro-benchmarks of the per-packet hot paths (run from the class path, see the package
 * documentation).
 */
module io.multifd.bench {
    requires io.multifd.core;
    requires jmh.core;
    requires com.github.luben.zstd_jni;

}
