package io.virtwire.vhostuser.backend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.EventFd;
import io.virtwire.memory.GuestMemoryException;
import io.virtwire.vhostuser.protocol.ConfigSpace;
import io.virtwire.vhostuser.protocol.DeviceStatus;
import io.virtwire.vhostuser.protocol.Empty;
import io.virtwire.vhostuser.protocol.FrontendMessage;
import io.virtwire.vhostuser.protocol.InflightDesc;
import io.virtwire.vhostuser.protocol.IotlbMsg;
import io.virtwire.vhostuser.protocol.LogBase;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.NetMtu;
import io.virtwire.vhostuser.protocol.SendRarp;
import io.virtwire.vhostuser.protocol.SingleMemoryRegion;
import io.virtwire.vhostuser.protocol.U64;
import io.virtwire.vhostuser.protocol.VringAddr;
import io.virtwire.vhostuser.protocol.VringFile;
import io.virtwire.vhostuser.protocol.VringState;
import io.virtwire.vhostuser.transport.ReceivedFds;
import io.virtwire.virtio.queue.QueueConfigException;

/**
 * The session's vrings: what the front-end configured for each, and which are handed to the device. A ring is
 * started when it has a size (SET_VRING_NUM), addresses (SET_VRING_ADDR), a kick fd or NOFD polling
 * (SET_VRING_KICK), there is a memory table, and it is enabled; {@link #startReady} checks that after every request
 * and starts and stops rings to match. GET_VRING_BASE stops a ring, and it stays stopped until the next
 * SET_VRING_KICK. Session thread only.
 */
final class RingSet implements AutoCloseable {

    private final Vring[] vrings;
    private final VhostUserDevice device;
    private final QueueAssembler assembler;
    private final SessionLog log;
    private final String name;
    /** Whether a ring ever started: the session did what it is for. Read by the server thread. */
    private volatile boolean everStarted;

    RingSet(VhostUserDevice device, QueueAssembler assembler, SessionLog log, String name) {
        this.device = device;
        this.assembler = assembler;
        this.log = log;
        this.name = name;
        this.vrings = new Vring[device.numQueues()];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
    }

    int count() {
        return vrings.length;
    }

    boolean isStarted(int index) {
        return vrings[index].started != null;
    }

    boolean everStarted() {
        return everStarted;
    }

    // ------------------------------------------------------------------------------------------ ring requests

    /** SET_VRING_NUM; a split ring's size must be a power of two, a packed ring's need not. */
    void setNum(VringState s, boolean packed) throws RequestFailedException {
        if (s.num() > device.maxQueueSize()) {
            throw new RequestFailedException("ring " + s.index() + " size " + s.num() + " exceeds the device's maximum "
                    + device.maxQueueSize());
        }
        if (!packed && Long.bitCount(s.num()) != 1) {
            throw new RequestFailedException("ring " + s.index() + " size " + s.num()
                    + " is not a power of two, which a split ring needs");
        }
        Vring v = vrings[s.index()];
        v.num = s.num();
        v.numSet = true;
        v.configChanged();
    }

    void setAddr(VringAddr a) {
        Vring v = vrings[a.index()];
        v.addr = a;
        v.configChanged();
    }

    /** SET_VRING_BASE; a split ring's position is a u16, a packed ring's carries both halves with wrap counters. */
    void setBase(VringState s, boolean packed) throws RequestFailedException {
        if (!packed && s.num() > 0xFFFF) {
            throw new RequestFailedException("ring " + s.index() + " base " + s.num() + " is not a u16 (split ring)");
        }
        Vring v = vrings[s.index()];
        v.base = s.num();
        v.configChanged();
    }

    /**
     * GET_VRING_BASE: the pause before it stopped the ring and saved its position; the ring stays stopped until
     * the next SET_VRING_KICK.
     *
     * @return the position in vhost-user's wire form
     */
    long takeBase(VringState s) {
        if (s.num() != 0) {
            // reserved ("must be 0"), but DPDK's virtio-user sends its ring state there when a port stops
            log.log(System.Logger.Level.DEBUG, name + ": GET_VRING_BASE ring " + s.index() + " with reserved num "
                    + s.num() + ": ignored");
        }
        Vring v = vrings[s.index()];
        v.kickSet = false;
        v.replaceKick(null);
        return v.base;
    }

    void setKick(VringFile f, ReceivedFds fds) throws ErrnoException {
        Vring v = vrings[f.index()];
        v.replaceKick(eventFd(f, fds));
        v.kickSet = true;
        v.configChanged();
    }

    void setCall(VringFile f, ReceivedFds fds) throws ErrnoException {
        Vring v = vrings[f.index()];
        v.replaceCall(eventFd(f, fds));
        v.configChanged();
    }

    void setErr(VringFile f, ReceivedFds fds) throws ErrnoException {
        Vring v = vrings[f.index()];
        v.replaceErr(eventFd(f, fds));
        v.configChanged();
    }

    /** NOFD: no fd (kick: poll the ring; call: the front-end polls); else the ring takes the message's fd. */
    private static EventFd eventFd(VringFile f, ReceivedFds fds) throws ErrnoException {
        return f.noFd() ? null : EventFd.adopt(fds.take(0));
    }

    void setEnabled(VringState s) {
        Vring v = vrings[s.index()];
        v.enabled = s.enabled();
        v.configChanged();
    }

    /** SET_FEATURES without VHOST_USER_F_PROTOCOL_FEATURES: the spec enables every ring at once. */
    void enableAll() {
        for (Vring v : vrings) {
            v.enabled = true;
        }
    }

    /** RESET_OWNER (deprecated): the spec recommends ignoring it or disabling all rings; they were paused. */
    void disableAll() {
        for (Vring v : vrings) {
            v.enabled = false;
        }
    }

    /** Features, memory or translations changed: a ring that could not start may start now, so let it try. */
    void configChanged() {
        for (Vring v : vrings) {
            v.configChanged();
        }
    }

    /** RESET_DEVICE (every ring is paused): every ring forgets its configuration and closes its fds. */
    void reset() {
        for (int i = 0; i < vrings.length; i++) {
            vrings[i].close();
            vrings[i] = new Vring(i);
        }
    }

    // ------------------------------------------------------------------------------------------ pausing, readiness

    /** Stops the rings {@code message} may change under a running queue, as its request's table row says. */
    void pause(FrontendMessage message) {
        switch (message.request().queuePause()) {
            case NONE -> {
            }
            case INDEXED_QUEUE -> stop(vrings[ringIndex(message)]);
            case ALL_QUEUES -> stopAll();
        }
    }

    /** The ring an INDEXED_QUEUE request names; the table gives that pause only to the three vring payloads. */
    private static int ringIndex(FrontendMessage message) {
        return switch (message) {
            case VringState s -> s.index();
            case VringAddr a -> a.index();
            case VringFile f -> f.index();
            case Empty _, U64 _, MemoryTable _, SingleMemoryRegion _, LogBase _, IotlbMsg _, ConfigSpace _,
                 InflightDesc _, DeviceStatus _, SendRarp _, NetMtu _ ->
                    throw new IllegalStateException(message.request() + " pauses one queue but names none");
        };
    }

    void stopAll() {
        for (Vring v : vrings) {
            stop(v);
        }
    }

    /** Takes ring {@code v} back from the device (which returns only once its workers let go) and saves its position. */
    private void stop(Vring v) {
        if (v.started == null) {
            return;
        }
        var core = v.core;
        v.started = null;
        v.core = null;
        device.queueStopped(v.index);
        v.base = Vring.wireBase(core);
    }

    /**
     * Starts and stops rings to match their state.
     *
     * @param memoryMapped whether there is a memory table (a ring needs one)
     * @return why a ring could not start, if one could not
     */
    String startReady(boolean memoryMapped) {
        String failure = null;
        for (Vring v : vrings) {
            if (!isReady(v, memoryMapped)) {
                stop(v);
            } else if (v.started == null && v.startFailure == null) {
                try {
                    start(v);
                } catch (QueueConfigException | GuestMemoryException e) {
                    v.startFailure = "ring " + v.index + " cannot start: " + e.getMessage();
                    log.log(System.Logger.Level.WARNING, name + ": " + v.startFailure);
                    failure = v.startFailure;
                }
            }
        }
        return failure;
    }

    private static boolean isReady(Vring v, boolean memoryMapped) {
        return v.numSet && v.addr != null && v.kickSet && v.enabled && memoryMapped;
    }

    private void start(Vring v) {
        QueueAssembler.Assembled q = assembler.assemble(v);
        if (q == null) {
            return; // waits for an IOTLB translation; v.startFailure says which
        }
        v.core = q.core();
        device.queueStarted(v.index, q.queue(), v.kick, v.call);
        v.started = q.queue();
        everStarted = true;
    }

    /** End of session: closes every ring's fds. The rings were stopped before. */
    @Override
    public void close() {
        for (Vring v : vrings) {
            v.close();
        }
    }
}
