package io.multifd.tck.broken;

import io.multifd.api.MethodProvider;
import io.multifd.tck.MethodContractSettings;

/**
 * One contract class per test method. Their names do not match the test suffixes, so Surefire
 * runs them only through {@code BrokenMethodsTests}.
 */
final class Contracts {

    private Contracts() {
    }

    /**
     * The correct raw-pages method, the control: registered in the tests' META-INF/services like a
     * method jar, so rule 4.1's registration check runs on it too.
     */
    static final class CorrectContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.Correct();
        }

        @Override
        public MethodContractSettings settings() {
            return MethodContractSettings.defaults().skipping("rule_1_5_tenThousandSetupCleanupCyclesLeakNothing",
                    "run by the leak tests of this class");
        }
    }

    /** The correct raw-pages method, leak check only, fewer cycles. */
    static final class CorrectLeakContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.Correct();
        }

        @Override
        public MethodContractSettings settings() {
            return FixtureContract.super.settings().withLeakCycles(2_000);
        }
    }

    /** Rule 2.5. */
    static final class WrongFlagContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.WrongFlag();
        }
    }

    /** Rule 2.4. */
    static final class WrongSizeContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.WrongSize();
        }
    }

    /** Rule 3.3. */
    static final class ReadsPastPayloadContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.ReadsPastPayload();
        }
    }

    /** Rule 1.5, direct buffers. */
    static final class LeaksDirectMemoryContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.LeaksDirectMemory();
        }

        @Override
        public MethodContractSettings settings() {
            return FixtureContract.super.settings().withLeakCycles(2_000);
        }
    }

    /** Rule 1.5, native memory: 4,000 cycles (some 300 MiB leaked), a tighter bound than the default. */
    static final class LeaksNativeMemoryContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.LeaksNativeMemory();
        }

        @Override
        public MethodContractSettings settings() {
            return FixtureContract.super.settings().withLeakCycles(4_000).withNativeLeakBound(64L << 20);
        }
    }

    /** Rule 1.5, state slot. */
    static final class LeaksStateSlotContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.LeaksStateSlot();
        }
    }

    /** Rule 2.8. */
    static final class CorruptsSecondPacketContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.CorruptsSecondPacket();
        }
    }

    /** Rule 2.9. */
    static final class AssumesPositionZeroContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.AssumesPositionZero();
        }
    }

    /** Rule 1.3. */
    static final class ThrowsRawExceptionContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.ThrowsRawException();
        }
    }

    /** Rule 1.1. */
    static final class SharesOneCompressorContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.SharesOneCompressor();
        }

        @Override
        public MethodContractSettings settings() {
            return FixtureContract.super.settings().withPageSizes(java.util.List.of(4096));
        }
    }


    /** Rule 3.5, time bound: one second per case. */
    static final class HangsOnBadInputContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.HangsOnBadInput();
        }

        @Override
        public MethodContractSettings settings() {
            return FixtureContract.super.settings().withTimeoutPerCase(java.time.Duration.ofSeconds(1));
        }
    }

    /** Rule 3.5, allocation bound. */
    static final class AllocatesOnBadInputContract implements FixtureContract {
        @Override
        public MethodProvider provider() {
            return new Providers.AllocatesOnBadInput();
        }
    }
}
