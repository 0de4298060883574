package io.virtwire.forwarder.port;

import io.virtwire.linux.Fd;
import io.virtwire.vhostuser.backend.BackendServer;
import io.virtwire.vhostuser.net.QueuePairCounters;
import io.virtwire.vhostuser.net.VhostUserNetDevice;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A guest's virtio-net NIC behind a vhost-user socket: the library's {@link VhostUserNetDevice} served by a
 * {@link BackendServer}. Server mode binds the socket (QEMU connects with {@code server=off} /
 * libvirt {@code mode='client'}, and reconnects after we restart); client mode connects to QEMU's socket and
 * retries until it is there.
 *
 * <p>Offloads: without {@code offloads} the device offers none, so every frame a guest sends is complete (a
 * header asking for checksum or segmentation is refused and counted) and frames into the guest carry a zeroed
 * header. With {@code offloads} it offers checksum and TCP segmentation both ways: the guest's headers are
 * validated by the device before they travel with the frame, and {@link #offloadsAccepted()} tells the switch
 * what this guest negotiated for its receive side (the rest is completed in software before it gets here).
 */
public final class VhostUserPort implements Port {

    public enum Mode { SERVER, CLIENT }

    private final String name;
    private final Path socket;
    private final Mode mode;
    private final int queuePairs;
    private final VhostUserNetDevice device;
    private final BackendServer server;
    /** Refusals already handed out; several workers (one per queue pair) take them, hence the atomic maximum. */
    private final java.util.concurrent.atomic.AtomicLong refusalsTaken = new java.util.concurrent.atomic.AtomicLong();

    private VhostUserPort(String name, Path socket, Mode mode, int queuePairs, VhostUserNetDevice device,
                          BackendServer server) {
        this.name = name;
        this.socket = socket;
        this.mode = mode;
        this.queuePairs = queuePairs;
        this.device = device;
        this.server = server;
    }

    /**
     * @throws java.nio.file.FileAlreadyExistsException server mode: a live process listens on {@code socket}, or
     *                                                   it is not a socket
     */
    public static VhostUserPort open(String name, Path socket, Mode mode, int queuePairs, int queueSize)
            throws IOException {
        return open(name, socket, mode, queuePairs, queueSize, false);
    }

    /** @param offloads offer checksum/TSO offloads to the guest and carry its headers */
    public static VhostUserPort open(String name, Path socket, Mode mode, int queuePairs, int queueSize,
                                     boolean offloads) throws IOException {
        VhostUserNetDevice device = new VhostUserNetDevice(name, queuePairs, queueSize, offloads);
        try {
            BackendServer server = mode == Mode.SERVER
                    ? BackendServer.listen(socket, device)
                    : BackendServer.connect(socket, device, Duration.ofMillis(500));
            return new VhostUserPort(name, socket, mode, queuePairs, device, server);
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "vhost-user";
    }

    public Path socket() {
        return socket;
    }

    public VhostUserNetDevice device() {
        return device;
    }

    @Override
    public int receive(PacketBurst burst) {
        return device.fromGuest(burst);
    }

    /** One receive queue per queue pair: the guest's transmit ring of that pair. */
    @Override
    public int receiveQueues() {
        return queuePairs;
    }

    @Override
    public int receive(int queue, PacketBurst burst) {
        return device.fromGuest(queue, burst);
    }

    /** Guest to guest in one copy: see {@link VhostUserNetDevice#forwardTo}. */
    @Override
    public boolean forwardDirect(int queue, FrameRoute route, PacketBurst burst, ForwardCounts counts) {
        return device.forwardTo(queue, route, burst, counts);
    }

    @Override
    public DirectPeer directPeer() {
        return device;
    }

    @Override
    public Fd pollFd(int queue) {
        return device.pollFd(queue);
    }

    @Override
    public Wakeup armWakeup(int queue) {
        return device.armKicks(queue);
    }

    @Override
    public void disarmWakeup(int queue) {
        device.disarmKicks(queue);
    }

    @Override
    public int transmit(PacketBurst burst) {
        return device.toGuest(burst);
    }

    @Override
    public int offloadsAccepted() {
        return device.toGuestOffloads();
    }

    @Override
    public boolean largeFrames() {
        return device.offersOffloads();
    }

    @Override
    public long takeOffloadRefusals() {
        long now = device.offloadRefused();
        if (now <= refusalsTaken.get()) {
            // every poll of every port asks, almost always for nothing: a plain read, not a locked instruction
            return 0;
        }
        long before = refusalsTaken.getAndAccumulate(now, Math::max);
        return Math.max(0, now - before);
    }

    @Override
    public Fd pollFd() {
        return device.pollFd();
    }

    @Override
    public Wakeup armWakeup() {
        return device.armKicks();
    }

    @Override
    public void disarmWakeup() {
        device.disarmKicks();
    }

    @Override
    public boolean isUp() {
        // volatile reads only: the egress burst that asks takes the device's pair lock once, in transmit
        return server.session() != null && device.isUp();
    }

    @Override
    public String brokenReason() {
        return device.brokenReason();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("socket", socket.toString());
        m.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
        m.put("queues", queuePairs);
        m.put("connected", server.session() != null);
        m.put("sessions", server.sessionsServed() + (server.session() != null ? 1 : 0));
        // frames the guest sent that the device refused (malformed, offload requested, too long)
        m.put("guestTxRefused", device.fromGuestDropped());
        m.put("offloads", device.offersOffloads());
        return m;
    }

    /**
     * One entry per queue pair in the forwarder's terms: rx = what the guest sent on that pair's transmit ring,
     * tx = what was delivered into its receive ring (txDirectPackets of them copied straight from another guest's
     * buffer, {@link VhostUserNetDevice#forwardTo}); drops: {@code guestRefused} (the guest sent it, the device
     * refused it), {@code noBuffers} and {@code bufferTooSmall} (its receive ring could not take the frame).
     */
    @Override
    public List<Map<String, Object>> queueCounters() {
        List<Map<String, Object>> out = new ArrayList<>(queuePairs);
        for (int pair = 0; pair < queuePairs; pair++) {
            QueuePairCounters c = device.queuePairCounters(pair);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queue", pair);
            m.put("rxPackets", c.fromGuestFrames());
            m.put("rxBytes", c.fromGuestBytes());
            m.put("txPackets", c.toGuestFrames());
            m.put("txBytes", c.toGuestBytes());
            m.put("txDirectPackets", c.toGuestDirect());
            Map<String, Object> drops = new LinkedHashMap<>();
            drops.put("guestRefused", c.fromGuestRefused());
            drops.put("noBuffers", c.toGuestNoBuffers());
            drops.put("bufferTooSmall", c.toGuestTooBig());
            m.put("drops", drops);
            out.add(m);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // the socket file may already be gone; the device is closed regardless
        }
        device.wakeUp();
        device.close();
    }
}
