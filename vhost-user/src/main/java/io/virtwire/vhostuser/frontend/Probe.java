package io.virtwire.vhostuser.frontend;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.ProtocolFeature;
import io.virtwire.vhostuser.protocol.ProtocolFeatures;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.protocol.VirtioFeatures;
import io.virtwire.vhostuser.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Connects to any vhost-user back-end socket and reports what it offers, sending only what QEMU sends before a
 * device is started (GET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
 * GET_MAX_MEM_SLOTS, GET_CONFIG for virtio-net's MTU), then disconnects. No memory is shared and no ring is set up.
 * Backs {@code virtwire vhost-user probe SOCKET}.
 */
public final class Probe {

    /** virtio-net config space: mac[6], status le16, max_virtqueue_pairs le16, mtu le16 (virtio 1.x 5.1.4). */
    private static final int NET_CONFIG_MTU_OFFSET = 10;

    /** What the back-end offered. */
    public record Result(Path socket, long features, List<String> featureNames, long protocolFeatures,
                         List<String> protocolFeatureNames, Optional<Long> queueNum, Optional<Long> maxMemSlots,
                         Optional<Integer> mtu) {
    }

    private Probe() {
    }

    public static Result probe(Path socket) throws IOException {
        UnixSocket s = UnixSocket.create();
        try {
            s.connect(socket);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        try (Frontend frontend = new Frontend(new Connection(s))) {
            long features = frontend.getFeatures();
            long protocol = 0;
            Optional<Long> queueNum = Optional.empty();
            Optional<Long> slots = Optional.empty();
            Optional<Integer> mtu = Optional.empty();
            if ((features & VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()) != 0) {
                protocol = frontend.getProtocolFeatures();
                // ack only what the probe's own requests need, so the back-end accepts them
                long wanted = ProtocolFeatures.of(ProtocolFeature.MQ, ProtocolFeature.CONFIGURE_MEM_SLOTS,
                        ProtocolFeature.CONFIG, ProtocolFeature.REPLY_ACK).bits();
                frontend.setProtocolFeatures(protocol & wanted);
                if (frontend.hasProtocol(ProtocolFeature.MQ)) {
                    queueNum = Optional.of(frontend.u64Request(FrontendRequest.GET_QUEUE_NUM));
                }
                if (frontend.hasProtocol(ProtocolFeature.CONFIGURE_MEM_SLOTS)) {
                    slots = Optional.of(frontend.u64Request(FrontendRequest.GET_MAX_MEM_SLOTS));
                }
                if (frontend.hasProtocol(ProtocolFeature.CONFIG) && (features & VirtioFeature.VIRTIO_NET_F_MTU.mask()) != 0) {
                    mtu = frontend.getConfig(NET_CONFIG_MTU_OFFSET, 2)
                            .map(b -> Short.toUnsignedInt(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort()));
                }
            }
            return new Result(socket, features, new VirtioFeatures(features).names(), protocol,
                    new ProtocolFeatures(protocol).names(), queueNum, slots, mtu);
        }
    }
}
