package io.multifd.core.channel;

import io.multifd.api.MultifdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
class SyncBarrierTests {

    @Test
    void channelsWaitForTheFlushAndTheFlushWaitsForAllChannels() throws Exception {
        SyncBarrier b = new SyncBarrier(2, 10, TimeUnit.SECONDS);
        AtomicInteger passed = new AtomicInteger();
        CompletableFuture<Void> c0 = CompletableFuture.runAsync(() -> sync(b, 0, passed));
        Thread.sleep(200);
        assertThat(passed.get()).as("channel 0 must wait for the main channel").isZero();
        CompletableFuture<Long> flush = CompletableFuture.supplyAsync(() -> {
            try {
                return b.flush();
            } catch (MultifdException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(flush).as("the flush must wait for channel 1").isNotDone();
        assertThat(passed.get()).isZero();
        CompletableFuture<Void> c1 = CompletableFuture.runAsync(() -> sync(b, 1, passed));
        assertThat(flush.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        c0.get(5, TimeUnit.SECONDS);
        c1.get(5, TimeUnit.SECONDS);
        assertThat(passed.get()).isEqualTo(2);
        b.checkComplete();
    }

    @Test
    void aFailureWakesEveryWaiter() throws Exception {
        SyncBarrier b = new SyncBarrier(2, 60, TimeUnit.SECONDS);
        CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                b.channelSynced(0);
                return null;
            } catch (MultifdException e) {
                return e;
            }
        });
        Thread.sleep(100);
        b.fail(new MultifdException("channel 1 broke"));
        assertThat(waiter.get(5, TimeUnit.SECONDS)).hasMessage("channel 1 broke");
    }

    @Test
    void aChannelThatEndsBeforeItsSyncFailsTheFlush() {
        SyncBarrier b = new SyncBarrier(2, 60, TimeUnit.SECONDS);
        b.channelEnded(1);
        assertThatThrownBy(b::flush).isInstanceOf(MultifdException.class)
                .hasMessageContaining("channel 1 ended after 0 SYNC packets, but the main channel has flush marker 1");
    }

    @Test
    void stallTimesOut() {
        SyncBarrier b = new SyncBarrier(1, 300, TimeUnit.MILLISECONDS);
        assertThatThrownBy(() -> b.channelSynced(0)).hasMessageContaining("waited 0 s at SYNC 1");
    }

    @Test
    void syncWithoutFlushAfterMainEndedFails() {
        SyncBarrier b = new SyncBarrier(1, 60, TimeUnit.SECONDS);
        b.mainEnded();
        assertThatThrownBy(() -> b.channelSynced(0)).hasMessageContaining("main channel ended after 0 flush markers");
    }

    private static void sync(SyncBarrier b, int channel, AtomicInteger passed) {
        try {
            b.channelSynced(channel);
            passed.incrementAndGet();
        } catch (MultifdException e) {
            throw new IllegalStateException(e);
        }
    }
}
