package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureSetsTest {

    @ParameterizedTest(name = "{0} = bit {1}")
    @CsvSource({"MQ, 0", "LOG_SHMFD, 1", "RARP, 2", "REPLY_ACK, 3", "NET_MTU, 4", "BACKEND_REQ, 5", "CROSS_ENDIAN, 6",
            "CRYPTO_SESSION, 7", "PAGEFAULT, 8", "CONFIG, 9", "BACKEND_SEND_FD, 10", "HOST_NOTIFIER, 11",
            "INFLIGHT_SHMFD, 12", "RESET_DEVICE, 13", "INBAND_NOTIFICATIONS, 14", "CONFIGURE_MEM_SLOTS, 15", "STATUS, 16",
            "XEN_MMAP, 17", "SHARED_OBJECT, 18", "DEVICE_STATE, 19"})
    void protocolFeatureBitsMatchTheSpec(ProtocolFeature feature, int bit) {
        assertEquals(bit, feature.bit());
        assertEquals(feature, ProtocolFeature.ofBit(bit));
        assertEquals("VHOST_USER_PROTOCOL_F_" + feature.name(), feature.specName());
    }

    @ParameterizedTest(name = "{0} = bit {1}")
    @CsvSource({"VIRTIO_NET_F_CSUM, 0", "VIRTIO_NET_F_MTU, 3", "VIRTIO_NET_F_MAC, 5", "VIRTIO_NET_F_MRG_RXBUF, 15",
            "VIRTIO_NET_F_STATUS, 16", "VIRTIO_NET_F_CTRL_VQ, 17", "VIRTIO_NET_F_GUEST_ANNOUNCE, 21", "VIRTIO_NET_F_MQ, 22",
            "VHOST_F_LOG_ALL, 26", "VIRTIO_F_RING_INDIRECT_DESC, 28", "VIRTIO_F_RING_EVENT_IDX, 29",
            "VHOST_USER_F_PROTOCOL_FEATURES, 30", "VIRTIO_F_VERSION_1, 32", "VIRTIO_F_ACCESS_PLATFORM, 33",
            "VIRTIO_F_RING_PACKED, 34", "VIRTIO_F_IN_ORDER, 35", "VIRTIO_NET_F_HASH_REPORT, 57", "VIRTIO_NET_F_RSS, 60",
            "VIRTIO_NET_F_SPEED_DUPLEX, 63"})
    void virtioFeatureBitsMatchTheSpec(VirtioFeature feature, int bit) {
        assertEquals(bit, feature.bit());
        assertEquals(feature, VirtioFeature.ofBit(bit));
    }

    @Test
    void bitsAreUnique() {
        Set<Integer> bits = new HashSet<>();
        for (VirtioFeature f : VirtioFeature.values()) {
            assertTrue(bits.add(f.bit()), f.name());
        }
        bits.clear();
        for (ProtocolFeature f : ProtocolFeature.values()) {
            assertTrue(bits.add(f.bit()), f.name());
        }
    }

    @Test
    void protocolFeatureSetOperations() {
        ProtocolFeatures offered = ProtocolFeatures.of(ProtocolFeature.MQ, ProtocolFeature.REPLY_ACK, ProtocolFeature.CONFIG);
        assertEquals(0x209, offered.bits());
        assertTrue(offered.has(ProtocolFeature.REPLY_ACK));
        assertFalse(offered.has(ProtocolFeature.STATUS));
        assertEquals(List.of("MQ", "REPLY_ACK", "CONFIG"), offered.names());
        assertTrue(ProtocolFeatures.of(ProtocolFeature.MQ).isSubsetOf(offered));
        assertFalse(offered.with(ProtocolFeature.STATUS).isSubsetOf(offered));
        assertEquals(ProtocolFeatures.of(ProtocolFeature.MQ), offered.without(ProtocolFeature.REPLY_ACK).without(ProtocolFeature.CONFIG));
        assertEquals(ProtocolFeatures.of(ProtocolFeature.MQ), offered.intersect(ProtocolFeatures.of(ProtocolFeature.MQ)));
    }

    @Test
    void unknownBitsAreKeptAndNamedByNumber() {
        ProtocolFeatures p = new ProtocolFeatures((1L << 40) | 1);
        assertEquals(1L << 40, p.unknownBits());
        assertEquals(List.of("MQ", "bit40"), p.names());
        VirtioFeatures v = new VirtioFeatures((1L << 4) | VirtioFeature.VIRTIO_F_VERSION_1.mask());
        assertEquals(1L << 4, v.unknownBits());
        assertEquals("0x100000010 [bit4, VIRTIO_F_VERSION_1]", v.toString());
    }

    @Test
    void virtioFeatureSetOperations() {
        VirtioFeatures offered = VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1, VirtioFeature.VIRTIO_NET_F_MRG_RXBUF,
                VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES);
        assertEquals(0x1_4000_8000L, offered.bits());
        assertTrue(offered.has(VirtioFeature.VIRTIO_NET_F_MRG_RXBUF));
        assertTrue(VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1).isSubsetOf(offered));
        assertFalse(offered.with(VirtioFeature.VIRTIO_F_RING_PACKED).isSubsetOf(offered));
        assertEquals(VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1),
                offered.intersect(VirtioFeatures.of(VirtioFeature.VIRTIO_F_VERSION_1, VirtioFeature.VIRTIO_F_RING_PACKED)));
        assertFalse(offered.without(VirtioFeature.VIRTIO_F_VERSION_1).has(VirtioFeature.VIRTIO_F_VERSION_1));
    }
}
