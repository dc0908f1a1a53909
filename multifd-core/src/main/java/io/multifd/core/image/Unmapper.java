package io.multifd.core.image;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Unmaps a mapped buffer now instead of when the garbage collector finds it unreachable, through
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported), the only way Java 17 offers.
 * Newer releases deprecate that method for removal and warn on its first use (Java 24 and 25 do),
 * so after Java 22 it is used only when the JVM runs with
 * {@code --sun-misc-unsafe-memory-access=allow} (which the {@code multifd} launcher passes there);
 * otherwise {@link #AVAILABLE} is false and mapped storage stays resident until the image is closed
 * and collected.
 */
final class Unmapper {

    private static final System.Logger LOG = System.getLogger(Unmapper.class.getName());

    /** The newest Java release on which {@code invokeCleaner} is used without being allowed explicitly. */
    private static final int LAST_JAVA = 22;

    private static final MethodHandle INVOKE_CLEANER = find();

    /** Whether {@link #unmap} unmaps. */
    static final boolean AVAILABLE = INVOKE_CLEANER != null;

    private Unmapper() {
    }

    private static MethodHandle find() {
        int java = Runtime.version().feature();
        if (java > LAST_JAVA && !"allow".equals(System.getProperty("sun.misc.unsafe.memory.access"))) {
            LOG.log(System.Logger.Level.DEBUG, "Java {0}: sent pages of a mapped source stay resident "
                    + "(sun.misc.Unsafe.invokeCleaner is used after Java 22 only with "
                    + "--sun-misc-unsafe-memory-access=allow)", java);
            return null;
        }
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "sent pages of a mapped source stay resident: " + e);
            return null;
        }
    }

    /**
     * Unmaps a mapped buffer (not a slice or duplicate of one). Every view of it points at unmapped
     * memory afterwards.
     *
     * @param mapped the buffer
     */
    static void unmap(ByteBuffer mapped) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(mapped);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot unmap: " + t, t);
        }
    }
}
