package io.virtwire.linux;

/**
 * Offsets in a TPACKET_V3 receive ring (linux/if_packet.h, ABI-stable): struct tpacket_block_desc at the start
 * of each block, struct tpacket3_hdr before each frame. All fields are native-endian.
 */
public final class Tpacket3 {

    /** tpacket_block_desc.hdr.bh1.block_status */
    public static final long BLOCK_STATUS = 8;
    /** tpacket_block_desc.hdr.bh1.num_pkts */
    public static final long BLOCK_NUM_PKTS = 12;
    /** tpacket_block_desc.hdr.bh1.offset_to_first_pkt */
    public static final long BLOCK_FIRST_PKT = 16;

    /** tpacket3_hdr.tp_next_offset */
    public static final long PKT_NEXT_OFFSET = 0;
    /** tpacket3_hdr.tp_snaplen: bytes captured */
    public static final long PKT_SNAPLEN = 12;
    /** tpacket3_hdr.tp_len: bytes on the wire */
    public static final long PKT_LEN = 16;
    /** tpacket3_hdr.tp_status */
    public static final long PKT_STATUS = 20;
    /** tpacket3_hdr.tp_mac: offset of the Ethernet header from this header */
    public static final long PKT_MAC = 24;
    /** tpacket3_hdr.hv1.tp_vlan_tci */
    public static final long PKT_VLAN_TCI = 32;
    /** tpacket3_hdr.hv1.tp_vlan_tpid */
    public static final long PKT_VLAN_TPID = 36;

    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    /** The kernel took an 802.1Q tag off the frame and put it in tp_vlan_tci. */
    public static final int TP_STATUS_VLAN_VALID = 0x10;
    public static final int TP_STATUS_VLAN_TPID_VALID = 0x40;

    private Tpacket3() {
    }
}
