package io.multifd.core.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The destination's answer to a {@link Hello}.
 *
 * @since 0.1
 */
public sealed interface HelloReply {

    /**
     * The destination accepts and both peers use this method with these settings.
     *
     * @param method     the chosen method, one of the offers
     * @param parameters its settings as the destination checked them
     * @param version    the destination's version of the method
     */
    record Accept(String method, Map<String, String> parameters, String version) implements HelloReply {
        /**
         * Copies.
         *
         * @param method     method
         * @param parameters parameters
         * @param version    version
         */
        public Accept {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(version, "version");
            parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }
    }

    /**
     * The destination refuses; nothing more happens on any channel.
     *
     * @param reason a sentence naming what does not match, listing both sides' methods when the
     *               methods are the problem
     */
    record Refuse(String reason) implements HelloReply {
        /**
         * Checks.
         *
         * @param reason reason
         */
        public Refuse {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
