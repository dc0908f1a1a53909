package io.multifd.tck;

/**
 * One generated page: its kind and seed.
 *
 * @param kind what it holds
 * @param seed the seed of its bytes
 * @since 0.1
 */
public record PageSpec(PageKind kind, int seed) {

    @Override
    public String toString() {
        return kind + "#" + seed;
    }
}
