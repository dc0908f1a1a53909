/**
 * The multifd method contract. See {@link io.multifd.api} for the rules every method follows.
 *
 * <p>This module knows nothing of the transfer engine; methods depend on it alone.
 *
 * @since 0.1
 */
module io.multifd.api {
    exports io.multifd.api;
}
