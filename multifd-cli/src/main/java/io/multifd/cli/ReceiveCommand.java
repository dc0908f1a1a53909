package io.multifd.cli;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.engine.DestinationResult;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.FileSink;
import io.multifd.core.engine.ReceivePolicy;
import io.multifd.core.engine.RefusedException;
import io.multifd.core.engine.TcpDestination;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.tls.TlsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code multifd receive}: waits for one transfer from {@code multifd send} and writes the image. */
@Command(name = "receive", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Waits for one transfer from 'multifd send', writes the image (one file per RAMBlock) and "
                + "prints a summary. Files are written under a temporary name (FILE.incomplete) and renamed only when "
                + "every page arrived and every channel ended cleanly; after a failure the .incomplete files stay and "
                + "no final name is created.",
                "",
                "Exit codes: 0 every page arrived, 1 transfer failed, 2 usage error, 3 refused (no common method, "
                        + "mismatched page size, channel count or UUID)."})
public final class ReceiveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Mixin
    TlsOptions tlsOptions;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Where to listen; port 0 picks a free port (printed); an empty host listens on every "
                    + "interface.")
    String listen;

    @Option(names = "--out", required = true, paramLabel = "FILE_OR_DIR",
            description = "The image file for a single RAMBlock, or a directory (one NAME.img per RAMBlock; always a "
                    + "directory when the source sends several).")
    Path out;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "Only these methods may be chosen (default: every method that decodes here).")
    List<String> methods;

    @Option(names = "--channels", paramLabel = "N", description = "Refuse a source that opens another number of "
            + "channels.")
    Integer channels;

    @Option(names = "--max-channels", defaultValue = "255", paramLabel = "N",
            description = "Refuse a source that asks for more channels (default: ${DEFAULT-VALUE}).")
    int maxChannels;

    @Option(names = "--page-size", paramLabel = "BYTES", description = "Refuse a source with another page size.")
    Integer pageSize;

    @Option(names = "--uuid", paramLabel = "UUID", description = "Refuse a source with another transfer UUID.")
    UUID uuid;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "Fail when a connection makes no progress for this long (default: ${DEFAULT-VALUE}; "
                    + "0 = never). Waiting for the source to connect has no timeout.")
    int timeout;

    @Mixin
    ProgressOption progress;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public ReceiveCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        PrintWriter stdout = cl.getOut();
        PrintWriter err = cl.getErr();
        InetSocketAddress address = HostPort.parse(cl, "--listen", listen, true);
        ProgressReporter.Mode mode = progress.mode(cl);
        SendCommand.checkRange(cl, "--max-channels", maxChannels, 1, 255);
        if (channels != null) {
            SendCommand.checkRange(cl, "--channels", channels, 1, maxChannels);
        }
        if (pageSize != null) {
            SendCommand.checkPageSize(cl, pageSize);
        }
        if (timeout < 0) {
            throw new CommandLine.ParameterException(cl, "--timeout " + timeout + " must be 0 or more");
        }
        MethodRegistry registry = registryOptions.registry(cl);
        List<MethodProvider> providers = new ArrayList<>();
        for (DiscoveredMethod m : registry.methods()) {
            providers.add(m.provider());
        }
        ReceivePolicy policy = ReceivePolicy.of(providers).withMaxChannels(maxChannels);
        if (methods != null) {
            for (String name : methods) {
                registry.require(name.trim(), MethodRegistry.Use.DECODE);
            }
            policy = policy.withAllowed(methods.stream().map(String::trim).toList());
        }
        if (channels != null) {
            policy = policy.withChannels(channels);
        }
        if (pageSize != null) {
            policy = policy.withPageSize(pageSize);
        }
        if (uuid != null) {
            policy = policy.withUuid(uuid);
        }
        EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(timeout));
        Optional<TlsConfig.Context> tls = tlsOptions.context(cl);
        FileSink sink = new FileSink(out);
        AtomicReference<ProgressReporter> reporter = new AtomicReference<>();
        DestinationResult r;
        try (TcpDestination d = TcpDestination.bind(address, policy, options, tls)) {
            stdout.println("multifd receive: listening on " + format(d.localAddress()) + ", writing to " + out);
            stdout.flush();
            r = d.receive(sink, session -> reporter.set(new ProgressReporter("receive",
                    session::progress, mode, err, session.image().map(i -> i.pageSize()).orElse(4096), 2000)));
        } catch (RefusedException e) {
            err.println("multifd receive: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        } catch (MultifdException e) {
            closeReporter(reporter);
            List<Path> left = sink.incompleteFiles().stream().filter(Files::exists).toList();
            if (!left.isEmpty()) {
                throw new MultifdException(e.getMessage() + "; the incomplete output is left at " + left, e);
            }
            throw e;
        } finally {
            closeReporter(reporter);
        }
        stdout.printf("multifd receive: transfer %s with method %s over %d channel%s: %s%n", r.hello().uuid(),
                r.method(), r.hello().channels(), r.hello().channels() == 1 ? "" : "s",
                r.hello().blocks().stream().map(BlockSpec::name).toList());
        stdout.println(r.stats().table());
        for (Path p : r.outputs()) {
            stdout.println("multifd receive: wrote " + p);
        }
        stdout.flush();
        return Main.EXIT_OK;
    }

    private static void closeReporter(AtomicReference<ProgressReporter> reporter) {
        ProgressReporter p = reporter.getAndSet(null);
        if (p != null) {
            p.close();
        }
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
