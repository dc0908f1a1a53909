/**
 * The {@code lz4} multifd method: an example of a third-party compression method. It exports
 * nothing and only provides its {@link io.multifd.api.MethodProvider}; lz4-java is bundled into
 * the jar (relocated), so at run time the module needs nothing but multifd-api.
 */
module com.example.lz4method {
    requires io.multifd.api;
    // compile time only: the build copies lz4-java's classes into this jar under this module's packages
    requires static org.lz4.java;

    provides io.multifd.api.MethodProvider with com.example.lz4method.Lz4MethodProvider;
}
