package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.json.Json;
import io.multifd.core.qemu.live.QemuSender;
import io.multifd.core.qemu.live.SendOptions;
import io.multifd.core.qemu.live.SendResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code multifd qemu-send}: stream a migration folder into a QEMU destination. */
@Command(name = "qemu-send", mixinStandardHelpOptions = true,
        description = {"Streams a migration folder (conn-*.bin: a qemu-transcode output or a capture) to a QEMU 10.0 "
                + "destination started with '-incoming defer' and 'migrate-incoming tcp:HOST:PORT', with multifd on "
                + "and the same multifd-channels and multifd-compression. Opens the main connection and every "
                + "multifd connection first, then streams them all at once (QEMU consumes nothing until every "
                + "connection is there).",
                "Exits 0 when every byte was sent. Whether the destination completed is for its query-migrate to "
                + "say; a destination that stops reading (QEMU does after a packet error) fails the send after "
                + "--idle-timeout."})
public final class QemuSendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TlsOptions tlsOptions;

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder with conn-*.bin files.")
    Path dir;

    @Option(names = "--connect", required = true, paramLabel = "HOST:PORT", description = "The destination.")
    String connect;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Per connection (default: ${DEFAULT-VALUE}).")
    long connectSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Fail when the destination takes no byte for this long (default: ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--wait-close", paramLabel = "SECONDS", defaultValue = "10",
            description = "After the last byte, wait this long for the destination to close the main connection, "
                    + "as QEMU does once it has loaded the stream (default: ${DEFAULT-VALUE}; 0: do not wait).")
    long waitCloseSeconds;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public QemuSendCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        InetSocketAddress target = HostPort.parse(cl, "--connect", connect, false);
        if (connectSeconds <= 0 || idleSeconds <= 0 || waitCloseSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "--connect-timeout and --idle-timeout must be positive, "
                    + "--wait-close positive or 0");
        }
        SendResult r = new QemuSender(new SendOptions(Duration.ofSeconds(connectSeconds), Duration.ofSeconds(idleSeconds),
                Duration.ofSeconds(waitCloseSeconds)), tlsOptions.context(cl)).send(dir, target);
        PrintWriter out = cl.getOut();
        if (json) {
            out.print("{\"connections\": [" + r.connections().stream().map(c -> "{\"file\": " + Json.quote(c.file())
                    + ", \"main\": " + c.main() + ", \"bytes\": " + c.bytes() + "}").collect(Collectors.joining(", "))
                    + "], \"bytes\": " + r.bytes() + ", \"destination_closed\": " + r.destinationClosed()
                    + ", \"elapsed_ms\": " + r.elapsedNanos() / 1_000_000 + "}\n");
        } else {
            out.printf("sent %d bytes on %d connections (main + %d multifd) to %s in %.2f s%n", r.bytes(),
                    r.connections().size(), r.connections().size() - 1, connect, r.elapsedNanos() / 1e9);
            if (waitCloseSeconds > 0) {
                out.println(r.destinationClosed() ? "the destination closed the main connection (it has loaded the "
                        + "stream; its query-migrate tells whether it completed)"
                        : "the destination did not close the main connection within " + waitCloseSeconds
                        + " s: check its query-migrate");
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
