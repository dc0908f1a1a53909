package io.multifd.core.registry;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.core.testing.TestMethods;

import java.util.List;

/** Providers for the registry tests: good ones (class path) and broken ones (own loader). */
public final class TestProviders {

    private TestProviders() {
    }

    /** A base that describes a valid method; subclasses break one thing each. */
    public abstract static class Base implements MethodProvider {
        /** For subclasses. */
        protected Base() {
        }

        @Override
        public String name() {
            return "test-good";
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.privateFlag(0x3A);
        }

        @Override
        public int apiVersion() {
            return MultifdApi.API_VERSION;
        }

        @Override
        public MultifdMethod create(MethodSettings settings) throws MultifdException {
            return TestMethods.copy().create(settings);
        }
    }

    /** Valid, with a level parameter. */
    public static final class Good extends Base {
        /** Creates it. */
        public Good() {
        }

        @Override
        public String version() {
            return "1.2.3";
        }

        @Override
        public List<MethodParameter> parameters() {
            return List.of(MethodParameter.ofInt("level", "how hard to try", 1, 9, 1));
        }
    }

    /** Valid but unavailable here. */
    public static final class Unavailable extends Base {
        /** Creates it. */
        public Unavailable() {
        }

        @Override
        public String name() {
            return "test-unavailable";
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.privateFlag(0x3C);
        }

        @Override
        public Availability availability() {
            return Availability.unavailable("libtest.so not found in /nowhere");
        }
    }

    /** Same name as Good. */
    public static final class NameTwin extends Base {
        /** Creates it. */
        public NameTwin() {
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.privateFlag(0x3E);
        }
    }

    /** Same flag as Good. */
    public static final class FlagTwin extends Base {
        /** Creates it. */
        public FlagTwin() {
        }

        @Override
        public String name() {
            return "test-flag-twin";
        }
    }

    /** Its constructor fails. */
    public static final class ThrowingConstructor extends Base {
        /** Fails. */
        public ThrowingConstructor() {
            throw new IllegalStateException("boom in the constructor");
        }
    }

    /** An invalid name. */
    public static final class BadName extends Base {
        /** Creates it. */
        public BadName() {
        }

        @Override
        public String name() {
            return "Bad_Name";
        }
    }

    /** Built for another API. */
    public static final class ApiMismatch extends Base {
        /** Creates it. */
        public ApiMismatch() {
        }

        @Override
        public String name() {
            return "test-old";
        }

        @Override
        public int apiVersion() {
            return 99;
        }
    }

    /** Built for the version before the oldest this framework runs. */
    public static final class ApiTooOld extends Base {
        /** Creates it. */
        public ApiTooOld() {
        }

        @Override
        public String name() {
            return "test-too-old";
        }

        @Override
        public int apiVersion() {
            return MultifdApi.OLDEST_SUPPORTED_API_VERSION - 1;
        }
    }

    /** Built for the oldest version this framework still runs: accepted. */
    public static final class OldestSupported extends Base {
        /** Creates it. */
        public OldestSupported() {
        }

        @Override
        public String name() {
            return "test-oldest-api";
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.privateFlag(0x38);
        }

        @Override
        public int apiVersion() {
            return MultifdApi.OLDEST_SUPPORTED_API_VERSION;
        }
    }

    /** name() fails. */
    public static final class ThrowingName extends Base {
        /** Creates it. */
        public ThrowingName() {
        }

        @Override
        public String name() {
            throw new UnsupportedOperationException("no name today");
        }
    }

    /** availability() fails. */
    public static final class ThrowingAvailability extends Base {
        /** Creates it. */
        public ThrowingAvailability() {
        }

        @Override
        public String name() {
            return "test-flaky";
        }

        @Override
        public Availability availability() {
            throw new IllegalStateException("probe crashed");
        }
    }

    /** Claims the built-in name zlib. */
    public static final class Squatter extends Base {
        /** Creates it. */
        public Squatter() {
        }

        @Override
        public String name() {
            return "zlib";
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.ZLIB;
        }
    }

    /** Uses QEMU's zstd flag under another name. */
    public static final class FlagThief extends Base {
        /** Creates it. */
        public FlagThief() {
        }

        @Override
        public String name() {
            return "thief";
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.ZSTD;
        }
    }

    /** flag() returns null. */
    public static final class NullFlag extends Base {
        /** Creates it. */
        public NullFlag() {
        }

        @Override
        public String name() {
            return "test-null-flag";
        }

        @Override
        public MethodFlag flag() {
            return null;
        }
    }

    /** No public no-argument constructor. */
    public static final class NoPublicConstructor extends Base {
        NoPublicConstructor(int unused) {
        }
    }

    /** Not a provider at all. */
    public static final class NotAProvider {
        /** Creates it. */
        public NotAProvider() {
        }
    }
}
