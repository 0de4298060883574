package io.virtwire.vhostuser.backend;

import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.VirtioFeature;

/**
 * What the session offered (GET_FEATURES, GET_PROTOCOL_FEATURES) and what the front-end acked (SET_FEATURES,
 * SET_PROTOCOL_FEATURES). The codec, the rings and the queue assembler ask it what is in force; only the
 * dispatcher changes it.
 */
final class FeatureNegotiation {

    /** The protocol features the dispatcher implements; a device's wish list is intersected with it. */
    static final long SUPPORTED_PROTOCOL_FEATURES = ProtocolFeatures.of(
            ProtocolFeature.MQ, ProtocolFeature.LOG_SHMFD, ProtocolFeature.RARP, ProtocolFeature.REPLY_ACK,
            ProtocolFeature.NET_MTU, ProtocolFeature.BACKEND_REQ, ProtocolFeature.CONFIG,
            ProtocolFeature.INFLIGHT_SHMFD, ProtocolFeature.RESET_DEVICE, ProtocolFeature.CONFIGURE_MEM_SLOTS,
            ProtocolFeature.STATUS).bits();

    private static final long PROTOCOL_FEATURES_BIT = VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask();

    private final long offered;
    private final long offeredProtocol;
    private long acked;
    /** Whether SET_FEATURES came at all: acking 0 is an ack too, and a repeat of it changes nothing. */
    private boolean ackedOnce;
    private long ackedProtocol;

    FeatureNegotiation(VhostUserDevice device) {
        this.offered = device.features() | PROTOCOL_FEATURES_BIT;
        this.offeredProtocol = device.protocolFeatures() & SUPPORTED_PROTOCOL_FEATURES;
    }

    long offered() {
        return offered;
    }

    long offeredProtocol() {
        return offeredProtocol;
    }

    long acked() {
        return acked;
    }

    long ackedProtocol() {
        return ackedProtocol;
    }

    /**
     * Whether SET_FEATURES {@code features} only repeats the ack in force: DPDK's vhost_user_set_features treats
     * the same features while the device runs as a no-op, and QEMU sends them again for each queue pair.
     */
    boolean repeats(long features) {
        return ackedOnce && features == acked;
    }

    /**
     * SET_FEATURES.
     *
     * @return false if it only repeated the ack in force, so nothing changed
     * @throws RequestFailedException if it acks a feature GET_FEATURES did not offer
     */
    boolean ack(long features) throws RequestFailedException {
        long unknown = features & ~offered;
        if (unknown != 0) {
            throw new RequestFailedException("features 0x" + Long.toHexString(features) + " include 0x"
                    + Long.toHexString(unknown) + ", which GET_FEATURES did not offer");
        }
        if (repeats(features)) {
            return false;
        }
        acked = features;
        ackedOnce = true;
        return true;
    }

    /** SET_PROTOCOL_FEATURES; refuses a feature GET_PROTOCOL_FEATURES did not offer. */
    void ackProtocol(long features) throws RequestFailedException {
        long unknown = features & ~offeredProtocol;
        if (unknown != 0) {
            throw new RequestFailedException("protocol features " + new ProtocolFeatures(features) + " include "
                    + new ProtocolFeatures(unknown) + ", which GET_PROTOCOL_FEATURES did not offer");
        }
        ackedProtocol = features;
    }

    /** RESET_DEVICE: the virtio features go; the protocol features belong to the connection and stay. */
    void resetDevice() {
        acked = 0;
        ackedOnce = false;
    }

    boolean has(VirtioFeature feature) {
        return (acked & feature.mask()) != 0;
    }

    boolean has(ProtocolFeature feature) {
        return (ackedProtocol & feature.mask()) != 0;
    }

    /**
     * Without VHOST_USER_F_PROTOCOL_FEATURES the spec says "the back-end must enable all rings immediately";
     * with it, only SET_VRING_ENABLE does.
     */
    boolean ringsStartEnabled() {
        return !has(VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES);
    }

    boolean packed() {
        return has(VirtioFeature.VIRTIO_F_RING_PACKED);
    }

    /** VIRTIO_F_ACCESS_PLATFORM: ring and buffer addresses are IOVAs, translated through the IOTLB. */
    boolean accessPlatform() {
        return has(VirtioFeature.VIRTIO_F_ACCESS_PLATFORM);
    }
}
