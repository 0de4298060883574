package io.virtwire.forwarder.runtime;

import io.virtwire.forwarder.switching.MemoryPort;
import io.virtwire.forwarder.switching.PortTable;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.forwarder.switching.VlanPolicy;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle queues stop being polled: one with a descriptor to wait on sleeps until its guest kicks (found within
 * {@link PollWorker#KICK_CHECK_EVERY} cycles), one without is polled once every {@link PollWorker#SPARSE_EVERY} cycles;
 * busy queues are polled every cycle. The worker's thread is not started: the test drives {@link PollWorker#doWork()}.
 */
class IdleQueuePollingTest {

    /**
     * A {@link MemoryPort} that counts its receive calls and hands out the frames it was given. Without a kick descriptor it cannot
     * sleep ({@link Wakeup#POLL}); with one it arms like a vhost-user queue: notifications on, WORK_PENDING if
     * frames are already there, and the kick drained on disarm.
     */
    private static final class CountingPort extends MemoryPort {
        final EventFd kick;
        int polls;
        int pending;
        /** After this many polls, {@code landFrames} arrive (without a kick): between a poll and what follows it. */
        int landAfterPoll = -1;
        int landFrames;
        boolean notificationsOn;
        int arms;

        CountingPort(String name, EventFd kick) {
            super(name);
            this.kick = kick;
        }

        @Override
        public int receive(PacketBurst burst) {
            polls++;
            int n = 0;
            while (pending > 0 && !burst.isFull()) {
                burst.add(FRAME);
                pending--;
                n++;
            }
            if (polls == landAfterPoll) {
                pending += landFrames;
            }
            return n;
        }

        @Override
        public Fd pollFd() {
            return kick == null ? null : kick.fd();
        }

        @Override
        public Wakeup armWakeup() {
            arms++;
            notificationsOn = true;
            if (kick == null) {
                return Wakeup.POLL;
            }
            return pending > 0 ? Wakeup.WORK_PENDING : Wakeup.ARMED;
        }

        @Override
        public void disarmWakeup() {
            notificationsOn = false;
            if (kick != null) {
                try {
                    kick.drain();
                } catch (ErrnoException e) {
                    throw new AssertionError(e);
                }
            }
        }

        /** The guest sends: frames in its ring, and a kick if it was asked for one. */
        void send(int frames) throws ErrnoException {
            pending += frames;
            if (notificationsOn) {
                kick.signal();
            }
        }
    }

    private static final byte[] FRAME = new byte[60];

    private final List<CountingPort> ports = new ArrayList<>();
    private final List<Integer> forwarded = new ArrayList<>();
    private PollWorker worker;

    @BeforeEach
    void setUp() throws Exception {
        worker = new PollWorker("sparse-test", new PortTable(), (in, frames, egress) -> forwarded.add(frames.count()), -1);
    }

    @AfterEach
    void tearDown() throws Exception {
        worker.close();
        for (EventFd k : kicks) {
            k.close();
        }
    }

    private final List<EventFd> kicks = new ArrayList<>();

    private CountingPort own(String name) throws Exception {
        return own(name, null);
    }

    private CountingPort ownSleeper(String name) throws Exception {
        EventFd kick = EventFd.create();
        kicks.add(kick);
        return own(name, kick);
    }

    private CountingPort own(String name, EventFd kick) throws Exception {
        CountingPort p = new CountingPort(name, kick);
        worker.own(new SwitchPort(ports.size(), p, VlanPolicy.defaultAccess(), 1500, 0));
        ports.add(p);
        return p;
    }

    private void cycles(int n) {
        for (int i = 0; i < n; i++) {
            worker.doWork();
        }
    }

    /** Runs cycles until something was forwarded; fails if that takes more than {@code max}. */
    private void cyclesUntilForwarded(int max, String what) {
        for (int waited = 1; forwarded.isEmpty(); waited++) {
            assertTrue(waited <= max, what + " was not seen within " + max + " cycles");
            worker.doWork();
        }
    }

    @Test
    void anIdleQueueSleepsUntilItsGuestKicks() throws Exception {
        CountingPort idle = ownSleeper("idle");
        cycles(PollWorker.IDLE_AFTER);
        assertEquals(PollWorker.IDLE_AFTER, idle.polls, "polled every cycle while it has not been empty long");
        assertTrue(idle.notificationsOn, "asleep: the guest is asked to kick");
        cycles(PollWorker.KICK_CHECK_EVERY * 50);
        assertEquals(PollWorker.IDLE_AFTER, idle.polls, "not polled at all while asleep");

        idle.send(4);
        cyclesUntilForwarded(PollWorker.KICK_CHECK_EVERY, "the kick");
        assertEquals(List.of(4), forwarded);
        assertFalse(idle.notificationsOn, "awake: kicks off again");
        int before = idle.polls;
        cycles(10);
        assertEquals(before + 10, idle.polls, "polled every cycle again");
    }

    @Test
    void aQueueWhoseFramesLandAsItIsArmedStaysAwake() throws Exception {
        CountingPort late = ownSleeper("late");
        late.landAfterPoll = PollWorker.IDLE_AFTER;   // right after the last empty poll, before the arming
        late.landFrames = 2;
        cycles(PollWorker.IDLE_AFTER);
        assertFalse(late.notificationsOn, "arming found work pending: notifications off again");
        worker.doWork();
        assertEquals(List.of(2), forwarded, "polled on the next cycle, no kick needed");
    }

    @Test
    void aSleepingQueueIsWokenWhenTheOwnedSetChanges() throws Exception {
        CountingPort idle = ownSleeper("idle");
        cycles(PollWorker.IDLE_AFTER + 1);
        assertTrue(idle.notificationsOn);
        own("another");
        worker.doWork();
        assertFalse(idle.notificationsOn, "a queue polled again must not keep its guest kicking");
        int before = idle.polls;
        cycles(5);
        assertEquals(before + 5, idle.polls);
    }

    /**
     * While a queue sleeps the worker looks at its epoll every {@link PollWorker#KICK_CHECK_EVERY} cycles: that look, and
     * the busy queues' cycles around it, allocate nothing. (Going to sleep and waking are per idle period, not per
     * frame; they drain eventfds through FFM calls that capture errno, which may allocate until the JIT has them.)
     */
    @Test
    void kickChecksBesideABusyQueueAllocateNothing() throws Exception {
        long[] moved = new long[1];
        try (PollWorker counting = new PollWorker("alloc-test", new PortTable(),
                (in, frames, egress) -> moved[0] += frames.count(), -1)) {
            CountingPort busy = new CountingPort("busy", null);
            EventFd kick = EventFd.create();
            kicks.add(kick);
            CountingPort sleeper = new CountingPort("sleeper", kick);
            counting.own(new SwitchPort(0, busy, VlanPolicy.defaultAccess(), 1500, 0));
            counting.own(new SwitchPort(1, sleeper, VlanPolicy.defaultAccess(), 1500, 0));
            ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            long allocated = 0;
            for (int round = 0; round < 10; round++) { // warm-up (JIT), then the last one measured
                long before = mx.getThreadAllocatedBytes(tid);
                for (int c = 0; c < 40_000; c++) {
                    busy.pending = 8;
                    counting.doWork();
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before;
            }
            assertTrue(sleeper.notificationsOn, "the sleeper is asleep: the worker has been looking for its kick");
            assertEquals(PollWorker.IDLE_AFTER, sleeper.polls, "and not polling it");
            assertTrue(moved[0] >= 10 * 40_000 * 8, "the busy queue moved its frames: " + moved[0]);
            assertTrue(allocated < 1024, allocated + " bytes allocated in 40000 cycles (5000 looks at the epoll)");
        }
    }

    @Test
    void anEmptyQueueThatCannotSleepIsPolledEveryCycleAtFirstThenOnceEverySparseTurn() throws Exception {
        CountingPort idle = own("idle");
        cycles(PollWorker.IDLE_AFTER);
        assertEquals(PollWorker.IDLE_AFTER, idle.polls, "polled every cycle while it has not been empty long");
        cycles(PollWorker.SPARSE_EVERY * 20);
        assertEquals(PollWorker.IDLE_AFTER + 20, idle.polls, "then polled once every " + PollWorker.SPARSE_EVERY + " cycles");
    }

    @Test
    void aBusyQueueIsPolledEveryCycle() throws Exception {
        CountingPort busy = own("busy");
        CountingPort idle = own("idle");
        for (int i = 0; i < PollWorker.IDLE_AFTER * 4; i++) {
            busy.pending = 3;
            worker.doWork();
        }
        assertEquals(PollWorker.IDLE_AFTER * 4, busy.polls);
        assertTrue(idle.polls < PollWorker.IDLE_AFTER + PollWorker.IDLE_AFTER * 3 / PollWorker.SPARSE_EVERY + 2,
                "the idle one beside it was polled " + idle.polls + " times");
    }

    @Test
    void aSparseQueueThatGetsFramesIsFoundWithinItsTurnAndPolledEveryCycleAgain() throws Exception {
        CountingPort quiet = own("quiet");
        cycles(PollWorker.IDLE_AFTER + 3);
        quiet.pending = 5;
        cyclesUntilForwarded(PollWorker.SPARSE_EVERY, "the frames of a sparsely polled queue");
        assertEquals(List.of(5), forwarded);
        int before = quiet.polls;
        cycles(10);
        assertEquals(before + 10, quiet.polls, "after frames it is polled every cycle again");
    }

    @Test
    void sparseQueuesAreSpreadOverTheCycles() throws Exception {
        List<CountingPort> idle = new ArrayList<>();
        for (int i = 0; i < PollWorker.SPARSE_EVERY; i++) {
            idle.add(own("idle" + i));
        }
        cycles(PollWorker.IDLE_AFTER + PollWorker.SPARSE_EVERY);
        int[] before = idle.stream().mapToInt(p -> p.polls).toArray();
        for (int c = 0; c < PollWorker.SPARSE_EVERY; c++) {
            worker.doWork();
            int polledNow = 0;
            for (int i = 0; i < idle.size(); i++) {
                polledNow += idle.get(i).polls - before[i];
                before[i] = idle.get(i).polls;
            }
            assertEquals(1, polledNow, "cycle " + c + ": one of " + PollWorker.SPARSE_EVERY + " sparse queues per cycle");
        }
    }
}
