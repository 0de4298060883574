package io.virtwire.forwarder.runtime;

import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.forwarder.port.Port;
import io.virtwire.forwarder.switching.EgressBuffers;
import io.virtwire.forwarder.switching.Forwarding;
import io.virtwire.forwarder.switching.PortTable;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.linux.Epoll;
import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Sched;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A platform thread that owns the receive side of some ports' receive queues (Agrona-style agent: {@link #doWork()} +
 * an {@link IdleStrategy}). Each cycle takes one burst of up to {@link #RECEIVE_BURST} frames from each owned queue
 * and hands it to the {@link Forwarding}. When idle long enough it arms its queues' wakeups and sleeps in one epoll
 * over their descriptors (for a vhost-user queue pair, the device's per-pair epoll holding that pair's transmit kick)
 * and its own wake eventfd.
 *
 * <p>Idle queues cost nothing: a queue that came up empty {@link #IDLE_AFTER} times in a row is put to sleep, its
 * guest's notifications turned on ({@link Port#armWakeup(int)}), and no longer polled; every {@link #KICK_CHECK_EVERY}
 * cycles one non-blocking look at this worker's epoll finds the queues whose guests kicked since, and they are polled
 * again (notifications off). Polling every queue every cycle, 62 idle ports beside a busy pair cost 13-22 % of the
 * loop's rate (docs/benchmarks.md, "Idle ports"). The price is latency for a queue that wakes while the worker is busy
 * with others: its first frames wait up to {@code KICK_CHECK_EVERY} cycles. A queue that cannot sleep (a port without a
 * descriptor to wait on) is polled on one cycle in {@link #SPARSE_EVERY} instead. When the worker itself sleeps every
 * queue is armed, and all are polled again when it wakes.
 *
 * <p>A queue is owned by exactly one worker; a port with several (a multiqueue guest) may have its queues on several
 * workers, which then receive from that port at once (its counters are atomic). Queues are added and removed by
 * the control plane: {@link #own} / {@link #disown} swap the owned arrays and {@code disown} returns only after the
 * worker has finished any cycle that could still use the port.
 */
public final class PollWorker implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PollWorker.class.getName());
    private static final long WAKE = -1;
    private static final VarHandle CYCLES;
    private static final VarHandle BUSY_NANOS;

    static {
        try {
            CYCLES = MethodHandles.lookup().findVarHandle(PollWorker.class, "cycles", long.class);
            BUSY_NANOS = MethodHandles.lookup().findVarHandle(PollWorker.class, "busyNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Forwarding forwarding;
    private final EgressBuffers egress;
    /**
     * Frames taken from one port per cycle. Twice DPDK's and OVS's usual 32: what a cycle costs besides its frames
     * (a lock per device, a fence per notification check, reading the driver's avail index, the switch's clock)
     * is then spread over twice as many (switch loop at 64 bytes: +6%, docs/benchmarks.md change 15).
     */
    static final int RECEIVE_BURST = 64;
    /**
     * How long a worker keeps polling after its last frame before it yields and sleeps: longer than a guest's or
     * frontend's usual pause (a scheduler tick or two), so that under load the guests rarely have to kick it
     * (docs/benchmarks.md, "Session 11": at 20 us the cross-connect worker slept 30-90 times per 3 s).
     */
    static final long SPIN_NANOS = 10_000_000;
    /** Empty polls in a row after which a queue sleeps (or, if it cannot, is polled sparsely). */
    static final int IDLE_AFTER = 64;
    /**
     * Cycles between two looks for kicks on sleeping queues (a power of two). The look is one epoll_wait that
     * returns at once (~0.2 us here); with two busy ports at 64 B a cycle takes ~7 us, so a queue whose guest wakes
     * up waits at most ~60 us for its first poll.
     */
    static final int KICK_CHECK_EVERY = 8;
    /** A queue that cannot sleep is polled on one cycle in this many (a power of two; spread by queue index). */
    static final int SPARSE_EVERY = 16;

    private final PacketBurst burst = new PacketBurst(RECEIVE_BURST);
    /** What a guest-to-guest forward moved ({@link io.virtwire.forwarder.port.Port#forwardDirect}). */
    private final ForwardCounts direct = new ForwardCounts();
    private final WorkerRoute route;
    /** For ports that carry offloads (64 KiB GSO frames); allocated when the first such port is owned. */
    private volatile PacketBurst largeBurst;
    private final Epoll epoll;
    private final EventFd wake;
    private final IdleStrategy idle;
    private final int cpu;
    private final Thread thread;
    /** What this worker receives from: {@code owned[i].queues[i]}, swapped together as one {@link Owned}. */
    private volatile Owned owned = new Owned(new SwitchPort[0], new int[0]);

    /**
     * The owned receive queues: port i's queue {@code queues[i]}. Replaced on every change; only the worker's polling
     * state changes, and only on the worker: {@code emptyPolls} (queue i's empty polls in a row, up to
     * {@link #IDLE_AFTER}) and {@code asleep} (queue i waits for a kick, its notifications on).
     */
    private record Owned(SwitchPort[] ports, int[] queues, int[] emptyPolls, boolean[] asleep) {
        Owned(SwitchPort[] ports, int[] queues) {
            this(ports, queues, new int[ports.length], new boolean[ports.length]);
        }
    }

    /** The {@link Owned} the worker last worked on, and how many of its queues sleep: the worker's only. */
    private Owned seen;
    private int asleepCount;
    private volatile boolean running = true;
    /**
     * Cycles started; written by the worker only, with a release store (a plain store on x86: a volatile
     * increment cost a locked instruction per poll), read by {@link #quiesce} with an acquire load.
     */
    private long cycles;
    /**
     * Time spent in cycles that moved frames, for the metrics' busy fraction (idle spinning, yielding and sleeping
     * are not busy). Written by the worker only, like {@link #cycles}; read at scrape time.
     */
    private long busyNanos;

    /** @param cpu the CPU to pin the thread to, or -1 */
    public PollWorker(String name, PortTable table, Forwarding forwarding, int cpu) throws ErrnoException {
        this.name = name;
        this.forwarding = forwarding;
        this.route = new WorkerRoute(forwarding);
        this.egress = new EgressBuffers(table);
        this.cpu = cpu;
        this.epoll = Epoll.create(PortTable.MAX_PORTS + 1);
        this.wake = EventFd.create();
        epoll.add(wake.fd(), Epoll.EPOLLIN, WAKE);
        this.idle = new BackoffIdleStrategy(SPIN_NANOS, 20, 100, this::sleep);
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    }

    public PollWorker start() {
        thread.start();
        return this;
    }

    public String name() {
        return name;
    }

    /** Nanoseconds spent in cycles that moved frames since the worker started (the busy fraction's numerator). */
    public long busyNanos() {
        return (long) BUSY_NANOS.getAcquire(this);
    }

    /** Receive queues owned (a multiqueue port counts once per queue owned here). */
    public int portCount() {
        return owned.ports().length;
    }

    /** Whether this worker owns some receive queue of {@code port}. */
    public boolean owns(SwitchPort port) {
        for (SwitchPort p : owned.ports()) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }

    /** The queues of {@code port} this worker receives from (control plane: the stats of workers). */
    public List<Integer> queuesOf(SwitchPort port) {
        Owned o = owned;
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < o.ports().length; i++) {
            if (o.ports()[i] == port) {
                out.add(o.queues()[i]);
            }
        }
        return out;
    }

    private void run() {
        if (cpu >= 0) {
            try {
                Sched.pinCurrentThread(cpu);
            } catch (ErrnoException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, name + ": cannot pin to CPU " + cpu + ", running unpinned: "
                        + e.getMessage());
            }
        }
        while (running) {
            long start = System.nanoTime();
            int work = doWork();
            if (work > 0) {
                BUSY_NANOS.setRelease(this, busyNanos + (System.nanoTime() - start));
            }
            idle.idle(work);
        }
    }

    /** One duty cycle: a burst from each owned port. Returns the frames moved. */
    public int doWork() {
        long cycle = cycles + 1;
        CYCLES.setRelease(this, cycle);
        Owned o = current();
        if (asleepCount > 0 && (cycle & (KICK_CHECK_EVERY - 1)) == 0) {
            wakeKicked(o);
        }
        SwitchPort[] ports = o.ports();
        int[] queues = o.queues();
        int[] emptyPolls = o.emptyPolls();
        boolean[] asleep = o.asleep();
        int work = 0;
        for (int q = 0; q < ports.length; q++) {
            int empty = emptyPolls[q];
            if (asleep[q] || (empty == IDLE_AFTER && ((cycle + q) & (SPARSE_EVERY - 1)) != 0)) {
                continue;
            }
            SwitchPort in = ports[q];
            PacketBurst burst = in.largeFrames() ? largeBurst : this.burst;
            burst.clear();
            int n;
            route.from(in);
            if (in.port().forwardDirect(queues[q], route, burst, direct)) {
                // guest to guest in one copy where the forwarding sends a batch to one port unchanged; counted as
                // a receive and EgressBuffers.send would have; what it left in the burst is forwarded as usual
                n = direct.taken();
                if (n > 0) {
                    in.counters().received(n, direct.takenBytes());
                    if (direct.peer() != null) {
                        EgressBuffers.counted(route.chosen(), direct.toPeer(), direct.delivered(), direct.deliveredBytes());
                    }
                    if (burst.count() > 0) {
                        forwarding.forward(in, burst, egress);
                    }
                }
            } else {
                n = in.port().receive(queues[q], burst);
                if (n > 0) {
                    in.counters().received(n, burst.bytes());
                    forwarding.forward(in, burst, egress);
                }
            }
            in.counters().dropped(DropReason.BAD_OFFLOAD, in.port().takeOffloadRefusals());
            if (n > 0) {
                emptyPolls[q] = 0;
                work += n;
            } else if (empty < IDLE_AFTER) {
                emptyPolls[q] = empty + 1;
                if (empty + 1 == IDLE_AFTER) {
                    putToSleep(o, q);
                }
            }
        }
        return work;
    }

    /**
     * The owned queues; when they changed since the last cycle, the sleeping queues of the old set are woken first
     * (notifications off again), so that no queue, kept or not, is polled with its guest still kicking. This runs in
     * the first cycle after {@link #own}/{@link #disown} swapped the set, which {@link #quiesce} waits for.
     */
    private Owned current() {
        Owned o = owned;
        if (o != seen) {
            if (seen != null) {
                wakeAll(seen);
            }
            seen = o;
            asleepCount = 0;
        }
        return o;
    }

    /** Queue {@code q} came up empty {@link #IDLE_AFTER} times: notifications on, and no more polls until it kicks. */
    private void putToSleep(Owned o, int q) {
        Port p = o.ports()[q].port();
        int queue = o.queues()[q];
        Wakeup r = p.armWakeup(queue);
        if (r == Wakeup.ARMED && p.pollFd(queue) != null) {
            o.asleep()[q] = true;
            asleepCount++;
            return;
        }
        p.disarmWakeup(queue);
        if (r == Wakeup.WORK_PENDING) {
            o.emptyPolls()[q] = 0;
        }
        // Wakeup.POLL: nothing to wait on; it stays at IDLE_AFTER and is polled sparsely
    }

    /** One look at the epoll without waiting: the sleeping queues of every port that kicked are polled again. */
    private void wakeKicked(Owned o) {
        int ready = epoll.poll();
        if (ready < 0) {
            LOG.log(System.Logger.Level.ERROR, name + ": epoll_wait failed, every sleeping queue is polled again");
            wakeAll(o);
            return;
        }
        for (int i = 0; i < ready; i++) {
            long data = epoll.data(i);
            if (data == WAKE) {
                drainWake();
                continue;
            }
            for (int q = 0; q < o.ports().length; q++) {
                if (o.ports()[q].slot() == data) {
                    wakeQueue(o, q);
                }
            }
        }
    }

    private void drainWake() {
        try {
            wake.drain();
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": cannot drain the wake eventfd: " + e.getMessage());
        }
    }

    /** Every sleeping queue of {@code o} is polled again, its notifications off. */
    private void wakeAll(Owned o) {
        for (int q = 0; asleepCount > 0 && q < o.ports().length; q++) {
            wakeQueue(o, q);
        }
    }

    private void wakeQueue(Owned o, int q) {
        if (o.asleep()[q]) {
            o.ports()[q].port().disarmWakeup(o.queues()[q]);
            o.asleep()[q] = false;
            o.emptyPolls()[q] = 0;
            asleepCount--;
        }
    }

    private void sleep(int maxMillis) {
        Owned o = current();
        SwitchPort[] ports = o.ports();
        int[] queues = o.queues();
        int timeout = maxMillis;
        int armed = 0;
        try {
            for (int q = 0; q < ports.length; q++) {
                Port p = ports[q].port();
                Wakeup r = p.armWakeup(queues[q]);
                armed++;
                if (r == Wakeup.WORK_PENDING) {
                    return;
                }
                if (r == Wakeup.POLL || p.pollFd(queues[q]) == null) {
                    timeout = 1;
                }
            }
            int ready = epoll.await(timeout);
            for (int i = 0; i < ready; i++) {
                if (epoll.data(i) == WAKE) {
                    wake.drain();
                }
            }
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": epoll failed: " + e.getMessage());
        } finally {
            for (int i = 0; i < armed; i++) {
                if (!o.asleep()[i]) {
                    ports[i].port().disarmWakeup(queues[i]);
                }
            }
            wakeAll(o);
            // whichever queue woke us (or had work when armed) is polled on the next cycle
            Arrays.fill(o.emptyPolls(), 0);
        }
    }

    /** Starts receiving from {@code port}'s only (or first) receive queue. */
    public void own(SwitchPort port) throws ErrnoException {
        own(port, 0);
    }

    /** Starts receiving from receive queue {@code queue} of {@code port}; no other worker may own that queue. */
    public synchronized void own(SwitchPort port, int queue) throws ErrnoException {
        if (port.largeFrames() && largeBurst == null) {
            largeBurst = new PacketBurst(PacketBurst.DEFAULT_CAPACITY, PacketBurst.LARGE_SLOT_SIZE);
        }
        List<Fd> added = new ArrayList<>();
        try {
            Fd fd = port.port().pollFd(queue);
            if (fd != null) {
                epoll.add(fd, Epoll.EPOLLIN, port.slot());
                added.add(fd);
            }
            if (queue == 0) {
                for (Fd extra : port.port().extraPollFds()) {
                    epoll.add(extra, Epoll.EPOLLIN, port.slot());
                    added.add(extra);
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            for (Fd fd : added) {
                try {
                    epoll.delete(fd);
                } catch (ErrnoException ignored) {
                    // being undone anyway
                }
            }
            throw e;
        }
        Owned o = owned;
        SwitchPort[] ports = Arrays.copyOf(o.ports(), o.ports().length + 1);
        int[] queues = Arrays.copyOf(o.queues(), o.queues().length + 1);
        ports[ports.length - 1] = port;
        queues[queues.length - 1] = queue;
        owned = new Owned(ports, queues);
        wakeUp();
    }

    /** Stops receiving from every queue of {@code port} it owns; when this returns the worker no longer touches it. */
    public synchronized void disown(SwitchPort port) {
        Owned o = owned;
        List<SwitchPort> ports = new ArrayList<>();
        List<Integer> queues = new ArrayList<>();
        List<Fd> fds = new ArrayList<>();
        for (int i = 0; i < o.ports().length; i++) {
            if (o.ports()[i] != port) {
                ports.add(o.ports()[i]);
                queues.add(o.queues()[i]);
            } else {
                fds.add(port.port().pollFd(o.queues()[i]));
                if (o.queues()[i] == 0) {
                    fds.addAll(Arrays.asList(port.port().extraPollFds()));
                }
            }
        }
        owned = new Owned(ports.toArray(SwitchPort[]::new), queues.stream().mapToInt(Integer::intValue).toArray());
        for (Fd fd : fds) {
            if (fd != null) {
                try {
                    epoll.delete(fd);
                } catch (ErrnoException e) {
                    // not registered
                }
            }
        }
        quiesce();
    }

    /** Waits until the worker has started two new cycles (so none that began before this call is running). */
    public void quiesce() {
        if (!thread.isAlive()) {
            return;
        }
        long start = (long) CYCLES.getAcquire(this);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while ((long) CYCLES.getAcquire(this) - start < 2 && System.nanoTime() < deadline && thread.isAlive()) {
            wakeUp();
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public void wakeUp() {
        try {
            wake.signal();
        } catch (ErrnoException e) {
            // saturated: the worker wakes anyway
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        wakeUp();
        if (thread.getState() != Thread.State.NEW) { // joining a thread never started throws
            thread.join(Duration.ofSeconds(10));
        }
        epoll.close();
        wake.close();
    }

    /**
     * This worker's {@link FrameRoute}: asks the forwarding where a batch from the port being polled goes, and
     * remembers the first port it named, which is the one a {@link ForwardCounts#peer()} of that call is.
     */
    private static final class WorkerRoute implements FrameRoute {

        private final Forwarding forwarding;
        private SwitchPort in;
        private SwitchPort chosen;

        WorkerRoute(Forwarding forwarding) {
            this.forwarding = forwarding;
        }

        void from(SwitchPort port) {
            in = port;
            chosen = null;
        }

        SwitchPort chosen() {
            return chosen;
        }

        @Override
        public boolean readsHeads() {
            return forwarding.readsHeads();
        }

        @Override
        public DirectPeer route(PacketBurst heads) {
            SwitchPort to = forwarding.directPeer(in, heads);
            DirectPeer peer = to == null || !to.port().isUp() ? null : to.port().directPeer();
            if (peer != null && chosen == null) {
                chosen = to;
            }
            return peer;
        }
    }
}
