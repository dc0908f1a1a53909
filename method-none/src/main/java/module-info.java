/**
 * The {@code none} multifd method: normal pages travel raw (QEMU 10.0 wire flag 0x00). The
 * reference implementation of the method contract; it exports nothing and only provides its
 * {@link io.multifd.api.MethodProvider}.
 *
 * @since 0.1
 */
module io.multifd.method.none {
    requires io.multifd.api;

    provides io.multifd.api.MethodProvider with io.multifd.method.none.NoneMethodProvider;
}
