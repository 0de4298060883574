package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.virtio.queue.Virtqueue;

import java.util.Optional;

/**
 * What a device behind a {@link BackendSession} provides: its offer, and callbacks for the rings the session
 * starts and stops. One interface; the session decides the threading.
 *
 * <p>Threading contract. Every method is called on the session's thread. The device owns its data-path workers;
 * {@link #queueStarted} hands a queue to them and {@link #queueStopped} takes it back, and
 * <b>{@code queueStopped} must return only once no worker touches that queue (or the guest memory it was built on)
 * any more</b>. The session pauses rings this way before applying any request whose
 * {@link io.virtwire.vhostuser.protocol.FrontendRequest#queuePause()} says so: it stops the affected started rings,
 * applies the request (a replaced memory table is unmapped only now), then restarts every ring that is still
 * ready with a fresh queue object at the saved ring position. There is no other handshake.
 */
public interface VhostUserDevice {

    /** Virtio feature bits offered by GET_FEATURES; the session adds VHOST_USER_F_PROTOCOL_FEATURES. */
    long features();

    /**
     * Protocol features the device wants offered, intersected by the session with those it implements
     * ({@link BackendSession#SUPPORTED_PROTOCOL_FEATURES}).
     */
    long protocolFeatures();

    /** Number of vrings, 1..256; vring indices at or above it are refused by the codec. */
    int numQueues();

    /**
     * What GET_QUEUE_NUM answers. The spec says "how many queues"; QEMU's vhost-user-net and DPDK read it as
     * queue pairs, so a net device overrides this. Default: the ring count.
     */
    default long queueNumReply() {
        return numQueues();
    }

    /** The largest ring size the device accepts (SET_VRING_NUM above it is refused). */
    int maxQueueSize();

    /** SET_FEATURES: the frontend's acknowledged virtio features (a subset of the offer). No ring is started. */
    default void featuresAcked(long features) {
    }

    /** The memory table changed; no ring is started while this runs. */
    default void onMemoryChanged(GuestMemory memory) {
    }

    /**
     * Ring {@code index} is started and enabled: the device may process it from now on.
     *
     * @param queue  the ring, at the position the frontend set (SplitQueue or PackedQueue, possibly wrapped for
     *               inflight tracking)
     * @param kickFd the eventfd the driver kicks, or null when the frontend asked for polling (NOFD)
     * @param callFd the eventfd to signal used buffers, or null when the frontend polls
     *               (both stay owned by the session; valid until {@link #queueStopped})
     */
    void queueStarted(int index, Virtqueue queue, EventFd kickFd, EventFd callFd);

    /** Ring {@code index} stops; return only once no worker touches it. */
    void queueStopped(int index);

    /** GET_CONFIG; empty means failure (answered with an empty payload). */
    default Optional<byte[]> readConfig(int offset, int size) {
        return Optional.empty();
    }

    /** SET_CONFIG; false means failure. */
    default boolean writeConfig(int offset, byte[] data, boolean liveMigration) {
        return false;
    }

    /** NET_SET_MTU; false refuses the value. */
    default boolean setMtu(int mtu) {
        return false;
    }

    /** SEND_RARP after migration: announce {@code mac} (6 bytes). */
    default void sendRarp(byte[] mac) {
    }

    /** The session ended (disconnect or fatal error); every ring was stopped before this is called. */
    default void sessionClosed() {
    }
}
