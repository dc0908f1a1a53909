package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.tls.TlsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --tls-cert}, {@code --tls-key}, {@code --tls-ca}, {@code --tls-no-client-auth}: TLS 1.3 on
 * every connection of a transfer, from PEM files. Without them nothing changes (plain TCP).
 */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "This side's certificate chain (PEM). With --tls-key, every connection uses TLS 1.3.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "PEM",
            description = "This side's private key (PEM: PKCS#8 'PRIVATE KEY' or PKCS#1 'RSA PRIVATE KEY').")
    Path key;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "CA certificate(s) the peer's certificate must chain to (default: the JDK's trust store). "
                    + "With it, a receiver requires the sender's certificate too (mutual TLS).")
    Path ca;

    @Option(names = "--tls-no-client-auth",
            description = "A receiver with --tls-ca does not require a client certificate.")
    boolean noClientAuth;

    /** Created by picocli. */
    public TlsOptions() {
    }

    /**
     * The TLS context, if TLS was asked for.
     *
     * @param cl the command, for usage errors
     * @return the context, or empty for plain TCP
     * @throws MultifdException when a file is missing or invalid
     */
    public Optional<TlsConfig.Context> context(CommandLine cl) throws MultifdException {
        if (cert == null && key == null && ca == null) {
            return Optional.empty();
        }
        if (cert == null || key == null) {
            throw new CommandLine.ParameterException(cl, "TLS needs both --tls-cert and --tls-key");
        }
        return Optional.of(new TlsConfig(cert, key, Optional.ofNullable(ca), ca != null && !noClientAuth).context());
    }
}
