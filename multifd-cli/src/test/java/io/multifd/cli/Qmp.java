package io.multifd.cli;

import io.multifd.core.json.Json;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A minimal QMP client over a unix socket: every read has a deadline, so a QEMU that stops
 * answering (QEMU's destination does after a packet error) fails the test instead of hanging it.
 */
final class Qmp implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final Duration timeout;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20);
    private final StringBuilder pending = new StringBuilder();
    private final List<Map<String, Object>> events = new ArrayList<>();

    private Qmp(SocketChannel channel, Duration timeout) throws IOException {
        this.channel = channel;
        this.timeout = timeout;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    /**
     * Connects (retrying while QEMU creates the socket) and negotiates capabilities.
     *
     * @param socket  the -qmp unix socket
     * @param process the QEMU process, to stop waiting when it died
     * @param timeout per command
     * @return the client
     * @throws IOException when QEMU does not answer
     */
    static Qmp connect(Path socket, Process process, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("QEMU exited with " + process.exitValue() + " before its QMP socket was ready");
            }
            if (Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    Qmp q = new Qmp(ch, timeout);
                    Map<String, Object> greeting = q.read();
                    if (!greeting.containsKey("QMP")) {
                        throw new IOException("no QMP greeting: " + greeting);
                    }
                    q.command("qmp_capabilities", Map.of());
                    return q;
                } catch (IOException e) {
                    ch.close();
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("QMP socket " + socket + " did not appear within 20 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /**
     * Runs a command.
     *
     * @param name the command
     * @param args its arguments
     * @return the "return" value
     * @throws IOException on an error reply, a closed socket or the timeout
     */
    Object command(String name, Map<String, ?> args) throws IOException {
        String msg = "{\"execute\": " + Json.quote(name)
                + (args.isEmpty() ? "" : ", \"arguments\": " + json(args)) + "}\n";
        ByteBuffer out = ByteBuffer.wrap(msg.getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.hasRemaining()) {
            channel.write(out);
            if (out.hasRemaining()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("QMP " + name + ": could not write the command within " + timeout);
                }
                Thread.onSpinWait();
            }
        }
        while (true) {
            Map<String, Object> reply = read(deadline, name);
            if (reply.containsKey("event")) {
                events.add(reply);
                continue;
            }
            if (reply.containsKey("error")) {
                throw new IOException("QMP " + name + " failed: " + reply.get("error"));
            }
            return reply.get("return");
        }
    }

    /**
     * Runs a command that returns an object.
     *
     * @param name the command
     * @param args its arguments
     * @return the object
     * @throws IOException as {@link #command}
     */
    Map<String, Object> object(String name, Map<String, ?> args) throws IOException {
        return Json.asObject(command(name, args));
    }

    /**
     * Runs an HMP command line.
     *
     * @param line the line
     * @return its output
     * @throws IOException as {@link #command}
     */
    String hmp(String line) throws IOException {
        return (String) command("human-monitor-command", Map.of("command-line", line));
    }

    /** @return the events seen so far */
    List<Map<String, Object>> events() {
        return events;
    }

    private Map<String, Object> read() throws IOException {
        return read(System.nanoTime() + timeout.toNanos(), "greeting");
    }

    private Map<String, Object> read(long deadline, String what) throws IOException {
        while (true) {
            int nl = pending.indexOf("\n");
            if (nl >= 0) {
                String line = pending.substring(0, nl).trim();
                pending.delete(0, nl + 1);
                if (!line.isEmpty()) {
                    return Json.parseObject(line);
                }
                continue;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new IOException("QMP " + what + ": no answer within " + timeout.toSeconds()
                        + " s (QEMU hangs or is busy)");
            }
            selector.select(left);
            selector.selectedKeys().clear();
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("QMP connection closed while waiting for " + what);
            }
            pending.append(StandardCharsets.UTF_8.decode(in.flip()));
        }
    }

    private static String json(Object v) {
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> Json.quote((String) e.getKey()) + ": " + json(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Qmp::json).collect(Collectors.joining(", ", "[", "]"));
        }
        if (v instanceof String s) {
            return Json.quote(s);
        }
        return String.valueOf(v);
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
