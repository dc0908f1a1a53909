package io.multifd.core.engine;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdMethod;
import io.multifd.core.image.BlockSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class NegotiationTests {

    /** A provider that only describes itself (never created here). */
    record Fake(String name, MethodFlag flag, Availability availability, List<MethodParameter> parameters)
            implements MethodProvider {
        Fake(String name, int flag) {
            this(name, MethodFlag.of(flag), Availability.full(), List.of());
        }

        @Override
        public int apiVersion() {
            return MultifdApi.API_VERSION;
        }

        @Override
        public String version() {
            return "9.9";
        }

        @Override
        public MultifdMethod create(MethodSettings settings) {
            throw new UnsupportedOperationException("never created by the negotiation");
        }
    }

    private static final MethodParameter LEVEL = MethodParameter.ofInt("level", "compression level", 1, 19, 1);
    private static final Fake NONE = new Fake("none", 0x00);
    private static final Fake ZLIB = new Fake("zlib", 0x02);
    private static final Fake ZSTD = new Fake("zstd", MethodFlag.ZSTD, Availability.full(), List.of(LEVEL));
    private static final Fake QPL = new Fake("qpl", MethodFlag.QPL, Availability.unavailable("libqpl not found"),
            List.of());

    private static Hello hello(List<MethodOffer> offers) {
        return new Hello(1, UUID.randomUUID(), 4096, 2, List.of(new BlockSpec("pc.ram", 1 << 20)), offers);
    }

    private static MethodOffer offer(MethodProvider p, Map<String, String> params) {
        return MethodOffer.of(p, params);
    }

    @Test
    void noCommonMethodIsRefusedListingBothSides() {
        HelloReply r = Negotiation.choose(hello(List.of(offer(ZSTD, Map.of("level", "1")), offer(ZLIB, Map.of()))),
                ReceivePolicy.of(List.of(NONE, QPL)));
        assertThat(r).isEqualTo(new HelloReply.Refuse("destination has no method in common with source: source "
                + "offers [zstd, zlib], destination has [none, qpl(unavailable: libqpl not found)]"));
    }

    @Test
    void theFirstOfferTheDestinationCanDecodeWinsInTheSourcesOrder() {
        HelloReply r = Negotiation.choose(hello(List.of(offer(ZSTD, Map.of("level", "3")), offer(ZLIB, Map.of()))),
                ReceivePolicy.of(List.of(NONE, ZLIB, ZSTD)));
        assertThat(r).isEqualTo(new HelloReply.Accept("zstd", Map.of("level", "3"), "9.9"));

        Fake zstdGone = new Fake("zstd", MethodFlag.ZSTD, Availability.unavailable("zstd-jni missing"), List.of(LEVEL));
        HelloReply r2 = Negotiation.choose(hello(List.of(offer(ZSTD, Map.of()), offer(ZLIB, Map.of()))),
                ReceivePolicy.of(List.of(zstdGone, ZLIB)));
        assertThat(r2).isEqualTo(new HelloReply.Accept("zlib", Map.of(), "9.9"));
    }

    @Test
    void parametersTheDestinationRejectsFlagDifferencesAndTheAllowListAreExplained() {
        HelloReply level = Negotiation.choose(hello(List.of(offer(ZSTD, Map.of("level", "25")))),
                ReceivePolicy.of(List.of(ZSTD)));
        assertThat(level).isEqualTo(new HelloReply.Refuse("destination has no method in common with source: source "
                + "offers [zstd], destination has [zstd] (zstd: {level=25} rejected: parameter level is 25, "
                + "expected 1..19)"));

        Fake otherFlag = new Fake("zlib", 0x0A);
        HelloReply flag = Negotiation.choose(hello(List.of(offer(ZLIB, Map.of()))),
                ReceivePolicy.of(List.of(otherFlag)));
        assertThat(((HelloReply.Refuse) flag).reason()).endsWith("(zlib: wire flag differs: source 0x02, "
                + "destination 0x0A)");

        HelloReply allowed = Negotiation.choose(hello(List.of(offer(ZLIB, Map.of()), offer(NONE, Map.of()))),
                ReceivePolicy.of(List.of(NONE, ZLIB)).withAllowed(List.of("none")));
        assertThat(allowed).isEqualTo(new HelloReply.Accept("none", Map.of(), "9.9"));

        HelloReply none = Negotiation.choose(hello(List.of(offer(ZLIB, Map.of()))),
                ReceivePolicy.of(List.of(NONE, ZLIB)).withAllowed(List.of("none")));
        assertThat(none).isEqualTo(new HelloReply.Refuse("destination has no method in common with source: source "
                + "offers [zlib], destination has [none, zlib(not allowed)] (zlib: not allowed by the destination's "
                + "method list [none])"));
    }

    @Test
    void versionPageSizeChannelsAndBlocksAreCheckedFirst() {
        ReceivePolicy p = ReceivePolicy.of(List.of(NONE));
        List<MethodOffer> offers = List.of(offer(NONE, Map.of()));
        UUID u = UUID.randomUUID();
        List<BlockSpec> blocks = List.of(new BlockSpec("pc.ram", 1 << 20));
        assertThat(reason(new Hello(2, u, 4096, 2, blocks, offers), p))
                .isEqualTo("protocol version mismatch: source speaks version 2, destination speaks version 1");
        assertThat(reason(new Hello(1, u, 3000, 2, blocks, offers), p))
                .isEqualTo("source's page size 3000 is not supported: it must be a power of two from 1024 to 65536");
        assertThat(reason(new Hello(1, u, 4096, 0, blocks, offers), p))
                .isEqualTo("source asks for 0 channels, destination accepts 1..255");
        assertThat(reason(new Hello(1, u, 4096, 256, blocks, offers), p))
                .isEqualTo("source asks for 256 channels, destination accepts 1..255");
        assertThat(reason(new Hello(1, u, 4096, 9, blocks, offers), p.withMaxChannels(8)))
                .isEqualTo("source asks for 9 channels, destination accepts 1..8");
        assertThat(reason(new Hello(1, u, 4096, 2, List.of(), offers), p))
                .isEqualTo("source announces no RAMBlock");
        assertThat(reason(new Hello(1, u, 4096, 2, List.of(new BlockSpec("x", 5000)), offers), p))
                .isEqualTo("RAMBlock x size 5000 is not a multiple of the page size 4096");
        assertThat(Negotiation.choose(new Hello(1, u, 4096, 2, blocks, offers), p.withUuid(u).withChannels(2)
                .withPageSize(4096))).isInstanceOf(HelloReply.Accept.class);
    }

    private static String reason(Hello h, ReceivePolicy p) {
        return ((HelloReply.Refuse) Negotiation.choose(h, p)).reason();
    }
}
