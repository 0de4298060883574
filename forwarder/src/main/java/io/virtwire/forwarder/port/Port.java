package io.virtwire.forwarder.port;

import io.virtwire.linux.Fd;
import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.ForwardCounts;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;

import java.util.List;
import java.util.Map;

/**
 * Something frames come from and go to in bursts: a vhost-user guest, a TAP device, a host NIC (AF_PACKET, later
 * AF_XDP). One worker thread receives from each of a port's receive queues ({@link #receiveQueues()}; several
 * workers may thus receive from one port, each from its own queues); any worker may transmit to it, so
 * {@link #transmit} must be safe against concurrent callers. Neither data-path method allocates.
 *
 * <p>Words: receive and transmit are the switch's view of the port. For a guest behind vhost-user, receive is
 * what comes from the guest (its transmit ring) and transmit what goes to the guest, the device's
 * {@code fromGuest} / {@code toGuest}.
 *
 * <p>Sleeping: a worker with nothing to do calls {@link #armWakeup()} on each of its ports, sleeps in epoll on
 * their {@link #pollFd()}s, then calls {@link #disarmWakeup()}.
 */
public interface Port extends AutoCloseable {

    String name();

    /** Kind for the control API: "vhost-user", "tap", ... */
    String type();

    /**
     * Appends received frames to {@code burst}, as many as fit, each with its virtio-net header (zero unless the
     * port carries offloads; a port that does has checked the header before it hands it on).
     */
    int receive(PacketBurst burst);

    /**
     * Sends frames {@code 0..burst.count()-1}; returns how many left, the others are dropped. Thread-safe. Frames
     * carry only offloads in {@link #offloadsAccepted()}.
     */
    int transmit(PacketBurst burst);

    /**
     * {@link io.virtwire.virtio.net.Offloads} this port takes on {@link #transmit} now (for a guest: what it
     * negotiated); the switch completes anything else in software first. Read per offloaded frame.
     */
    default int offloadsAccepted() {
        return io.virtwire.virtio.net.Offloads.NONE;
    }

    /**
     * Whether this port carries offloads, so its frames may be GSO frames up to 64 KiB: it receives into and is
     * sent from bursts of {@link PacketBurst#LARGE_SLOT_SIZE}. Fixed for the port's life.
     */
    default boolean largeFrames() {
        return false;
    }

    /**
     * Frames refused since the last call because their virtio-net header failed validation (a guest's bad
     * offload request); called by the receiving worker after each receive.
     */
    default long takeOffloadRefusals() {
        return 0;
    }

    /**
     * How many receive queues this port has: a guest's queue pairs. Each is received from by exactly one worker
     * ({@link #receive(int, PacketBurst)}); the forwarder spreads the queues of one port over different workers.
     */
    default int receiveQueues() {
        return 1;
    }

    /** {@link #receive(PacketBurst)} from receive queue {@code queue} only (0 ≤ queue < {@link #receiveQueues()}). */
    default int receive(int queue, PacketBurst burst) {
        return receive(burst);
    }

    /**
     * Receives from queue {@code queue} and sends on in one copy where {@code route} says, from the sender's
     * memory straight into the receiver's ({@link #directPeer()}), instead of {@link #receive(int, PacketBurst)}
     * into {@code burst} and a forwarding's transmit: the same frames, drops and port counters. Frames the route
     * sends nowhere directly are left in {@code burst} for the caller's forwarding. False, and nothing received,
     * if this port cannot now; the caller then takes the staged way. Only a vhost-user port can.
     *
     * @param burst  empty: staging, and on return the frames left to the caller
     * @param counts what moved, when true is returned
     */
    default boolean forwardDirect(int queue, FrameRoute route, PacketBurst burst, ForwardCounts counts) {
        return false;
    }

    /** What a {@link FrameRoute} names to send frames into this port in one copy; null if it takes bursts only. */
    default DirectPeer directPeer() {
        return null;
    }

    /** {@link #pollFd()} for receive queue {@code queue}: becomes readable when that queue may have frames. */
    default Fd pollFd(int queue) {
        return pollFd();
    }

    /** {@link #armWakeup()} for receive queue {@code queue}. */
    default Wakeup armWakeup(int queue) {
        return armWakeup();
    }

    /** {@link #disarmWakeup()} for receive queue {@code queue}. */
    default void disarmWakeup(int queue) {
        disarmWakeup();
    }

    /** A descriptor that becomes readable when {@link #receive} may find frames; null if the port must be polled. */
    Fd pollFd();

    /** More descriptors to watch besides {@link #pollFd()} (one per queue of a multi-socket port). */
    default Fd[] extraPollFds() {
        return new Fd[0];
    }

    /**
     * {@link Wakeup#ARMED}: sleep until {@link #pollFd()} is readable; {@link Wakeup#WORK_PENDING}: frames are
     * waiting, do not sleep; {@link Wakeup#POLL}: this port cannot wake anybody, sleep at most a millisecond.
     */
    Wakeup armWakeup();

    void disarmWakeup();

    /** Whether a peer is attached and the port can move frames (a guest is connected with its rings started). */
    boolean isUp();

    /** Why the port stopped moving frames (a hostile guest), or null. */
    String brokenReason();

    /** Port-specific facts for the control API (socket path, mode, interface, queues ...). */
    Map<String, Object> describe();

    /**
     * Per-queue counters for the control API's {@code stats} ({@code queues}), or empty if the port has none
     * there. Called by the control plane only; may allocate.
     */
    default List<Map<String, Object>> queueCounters() {
        return List.of();
    }

    @Override
    void close();
}
