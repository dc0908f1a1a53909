package io.multifd.method.qpl;

import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContract;
import io.multifd.tck.MethodContractSettings;

import java.util.List;
import java.util.Map;

/**
 * The conformance kit (multifd-tck) on qpl. With libqpl installed: every path that works here,
 * that is {@code path=hardware} only when an Intel IAA device initialises (its setup fails by
 * design otherwise: QplLibraryTests checks that failure). Without libqpl: the pure-Java path,
 * which encodes and decodes the same wire format without the library.
 */
class QplConformanceProperties implements MethodContract {

    @Override
    public MethodProvider provider() {
        return new QplMethodProvider();
    }

    @Override
    public MethodContractSettings settings() {
        MethodContractSettings defaults = MethodContractSettings.defaults();
        if (!provider().availability().isFull()) {
            return defaults.withMethodSettings(List.of(Map.of(QplMethodProvider.PATH, "java")))
                    .runningDespiteAvailability("libqpl is not installed here; path=java encodes in pure Java");
        }
        if (QplLibrary.defaultLoad().hardwareWorks()) {
            return defaults;
        }
        MethodParameter path = provider().parameters().stream().filter(p -> p.name().equals(QplMethodProvider.PATH))
                .findFirst().orElseThrow();
        return defaults.withMethodSettings(path.choices().stream().filter(c -> !c.equals("hardware"))
                .map(c -> Map.of(QplMethodProvider.PATH, c)).toList());
    }
}
