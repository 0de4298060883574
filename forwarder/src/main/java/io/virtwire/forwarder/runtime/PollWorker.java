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

    private final PacketBurst burst = new PacketBurst(RECEIVE_BURST);
    /** For ports that carry offloads (64 KiB GSO frames); allocated when the first such port is owned. */
    private volatile PacketBurst largeBurst;
    private final Epoll epoll;
    private final EventFd wake;
    private final IdleStrategy idle;
    private final int cpu;
    private final Thread thread;
    /** What this worker receives from: {@code owned[i].queues[i]}, swapped together as one {@link Owned}. */
    private volatile Owned owned = new Owned(new SwitchPort[0], new int[0]);

    /** The owned receive queues: port i's queue {@code queues[i]}. Immutable; replaced on every change. */
    private record Owned(SwitchPort[] ports, int[] queues) {
    }
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
        this.egress = new EgressBuffers(table);
        this.cpu = cpu;
        this.epoll = Epoll.create(PortTable.MAX_PORTS + 1);
        this.wake = EventFd.create();
        epoll.add(wake.fd(), Epoll.EPOLLIN, WAKE);
        this.idle = new BackoffIdleStrategy(200, 20, 100, this::sleep);
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
        CYCLES.setRelease(this, cycles + 1);
        Owned o = owned;
        SwitchPort[] ports = o.ports();
        int[] queues = o.queues();
        int work = 0;
        for (int q = 0; q < ports.length; q++) {
            SwitchPort in = ports[q];
            PacketBurst burst = in.largeFrames() ? largeBurst : this.burst;
            burst.clear();
            int n = in.port().receive(queues[q], burst);
            in.counters().dropped(DropReason.BAD_OFFLOAD, in.port().takeOffloadRefusals());
            if (n > 0) {
                in.counters().received(n, burst.bytes());
                forwarding.forward(in, burst, egress);
                work += n;
            }
        }
        return work;
    }

    private void sleep(int maxMillis) {
        Owned o = owned;
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
                ports[i].port().disarmWakeup(queues[i]);
            }
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
        thread.join(Duration.ofSeconds(10));
        epoll.close();
        wake.close();
    }
}
