package io.multifd.method.qpl;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a jqwik container, loudly, when libqpl is missing and {@code multifd.qpl.optional=true};
 * without that property the properties run and fail through {@link QplTestSupport#requireLibqpl()}.
 */
public final class RequiresLibqpl implements SkipExecutionHook {

    /** For jqwik. */
    public RequiresLibqpl() {
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        QplLibrary.Load load = QplLibrary.defaultLoad();
        if (load.loaded() || !Boolean.getBoolean(QplTestSupport.OPTIONAL_PROPERTY)) {
            return SkipResult.doNotSkip();
        }
        String message = "libqpl is not provisioned (run scripts/provision-qpl.sh): " + load.reason();
        System.err.println("SKIPPED (" + QplTestSupport.OPTIONAL_PROPERTY + "=true): " + message);
        return SkipResult.skip(message);
    }
}
