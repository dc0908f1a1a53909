package io.multifd.core.engine;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Checks after each test that the engine left no thread behind and no socket open above the
 * count before the test ({@code @ExtendWith(NoLeaks.class)}).
 */
final class NoLeaks implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeaks.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("sockets", Fixtures.openSockets());
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        Fixtures.assertNoEngineThreads();
        Fixtures.assertNoSocketsLeftAbove(context.getStore(NS).get("sockets", Integer.class));
    }
}
