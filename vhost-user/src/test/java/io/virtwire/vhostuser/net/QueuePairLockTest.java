package io.virtwire.vhostuser.net;

import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.Virtqueue;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the device's locking promises: {@code isUp} is a flag kept by ring start/stop (an egress burst takes no
 * lock to ask), and each queue pair has its own lock, so one pair held (a ring starting, a burst running) does not
 * stop another pair's bursts. A pair's lock is held here by starting one of its rings with a queue whose
 * {@code disableNotification} (called by queueStarted under the lock) waits for the test.
 */
class QueuePairLockTest {

    /** Own threads: the common pool may have one thread, which the blocked start would hold. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @org.junit.jupiter.api.AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** A started ring with nothing on it; optionally blocks in disableNotification until {@link #release}. */
    private static final class IdleQueue implements Virtqueue {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release;

        IdleQueue(boolean blocking) {
            release = new CountDownLatch(blocking ? 1 : 0);
        }

        @Override public int size() { return 256; }
        @Override public ChainStatus pop(DescriptorChain chain) { return ChainStatus.END; }
        @Override public void addUsed(DescriptorChain chain, long writtenBytes) { }
        @Override public void publishUsed() { }
        @Override public boolean needsNotification() { return false; }
        @Override public boolean enableNotification() { return false; }
        @Override public int vringBase() { return 0; }
        @Override public void setVringBase(int base) { }
        @Override public boolean isBroken() { return false; }
        @Override public String brokenReason() { return null; }
        @Override public void markBroken(String reason) { }
        @Override public GuestMemory memory() { return GuestMemory.empty(); }
        @Override public void setMemory(GuestMemory memory) { }

        @Override
        public void disableNotification() {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void isUpFollowsTheFirstPairsRingsAndIsReadWithoutItsLock() throws Exception {
        try (VhostUserNetDevice device = new VhostUserNetDevice("h2-up", 1, 256)) {
            assertFalse(device.isUp(), "no ring started");
            device.queueStarted(0, new IdleQueue(false), null, null);
            assertFalse(device.isUp(), "only the to-guest ring started");
            device.queueStarted(1, new IdleQueue(false), null, null);
            assertTrue(device.isUp());
            device.queueStopped(1);
            assertFalse(device.isUp(), "from-guest ring stopped");

            IdleQueue blocking = new IdleQueue(true);
            CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> device.queueStarted(1, blocking, null, null), threads);
            try {
                assertTrue(blocking.entered.await(5, TimeUnit.SECONDS), "queueStarted reached the queue");
                // pair 0's lock is held by the start: asking "up" must not wait for it
                boolean up = CompletableFuture.supplyAsync(device::isUp, threads).get(2, TimeUnit.SECONDS);
                assertTrue(up, "ring 1 is started (its queue is being set up)");
            } finally {
                blocking.release.countDown();
                starting.get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aHeldPairDoesNotStopAnotherPairsBursts() throws Exception {
        try (VhostUserNetDevice device = new VhostUserNetDevice("h2-pairs", 2, 256)) {
            device.queueStarted(2, new IdleQueue(false), null, null);
            device.queueStarted(3, new IdleQueue(false), null, null);
            IdleQueue blocking = new IdleQueue(true);
            CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> device.queueStarted(0, blocking, null, null), threads);
            try {
                assertTrue(blocking.entered.await(5, TimeUnit.SECONDS), "queueStarted reached the queue");
                PacketBurst in = new PacketBurst();
                int taken = CompletableFuture.supplyAsync(() -> device.fromGuest(1, in), threads).get(2, TimeUnit.SECONDS);
                assertEquals(0, taken, "pair 1 has nothing from the guest, and says so while pair 0 is held");
                PacketBurst out = new PacketBurst();
                out.add(new byte[60]);
                int delivered = CompletableFuture.supplyAsync(() -> device.toGuest(out), threads).get(2, TimeUnit.SECONDS);
                assertEquals(0, delivered, "no buffers posted on pair 1");
                assertEquals(1, device.queuePairCounters(1).toGuestNoBuffers(),
                        "the burst went to pair 1, passing over the held pair 0");
            } finally {
                blocking.release.countDown();
                starting.get(5, TimeUnit.SECONDS);
            }
        }
    }
}
