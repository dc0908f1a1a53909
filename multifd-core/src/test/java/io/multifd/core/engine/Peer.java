package io.multifd.core.engine;

import io.multifd.api.MultifdException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A destination receiving one transfer on its own thread. */
final class Peer implements AutoCloseable {

    final TcpDestination destination;
    final CompletableFuture<DestinationResult> result = new CompletableFuture<>();
    final Thread thread;

    private Peer(TcpDestination destination, ImageSink sink) {
        this.destination = destination;
        this.thread = new Thread(() -> {
            try {
                result.complete(destination.receive(sink));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "test-destination");
        thread.start();
    }

    static Peer start(ReceivePolicy policy, EngineOptions options, ImageSink sink,
                      java.util.Optional<io.multifd.core.tls.TlsConfig.Context> tls) throws MultifdException {
        TcpDestination d = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), policy,
                options, tls);
        return new Peer(d, sink);
    }

    static Peer start(ReceivePolicy policy, EngineOptions options, ImageSink sink) throws MultifdException {
        TcpDestination d = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), policy,
                options);
        return new Peer(d, sink);
    }

    InetSocketAddress address() {
        return destination.localAddress();
    }

    DestinationResult await() throws Exception {
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** The destination's failure, waiting at most {@code seconds}. */
    Throwable failure(long seconds) throws InterruptedException, TimeoutException {
        try {
            result.get(seconds, TimeUnit.SECONDS);
            throw new AssertionError("the destination succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Override
    public void close() {
        destination.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
