package io.multifd.cli;

import picocli.CommandLine;

import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6; an empty host listens on every interface). */
final class HostPort {

    private HostPort() {
    }

    static InetSocketAddress parse(CommandLine cl, String option, String text, boolean listen) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new CommandLine.ParameterException(cl, option + " " + text + " must be HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(cl, option + " " + text + ": port '" + text.substring(colon + 1)
                    + "' is not a number");
        }
        if (port < 0 || port > 65535 || (!listen && port == 0)) {
            throw new CommandLine.ParameterException(cl, option + " " + text + ": port " + port + " is outside "
                    + (listen ? "0" : "1") + "..65535");
        }
        if (host.isEmpty()) {
            if (!listen) {
                throw new CommandLine.ParameterException(cl, option + " " + text + " needs a host");
            }
            return new InetSocketAddress(port);
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new CommandLine.ParameterException(cl, option + " " + text + ": unknown host " + host);
        }
        return a;
    }
}
