package io.virtwire.forwarder.port;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.PacketSocket;
import io.virtwire.linux.Tpacket3;
import io.virtwire.vhostuser.net.PacketBurst;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host interface through AF_PACKET: frames arrive in a TPACKET_V3 ring mapped into our memory (no system call
 * per frame, the kernel hands over whole blocks) and leave in one sendmmsg per burst. Frames this socket sends
 * are not seen again (PACKET_IGNORE_OUTGOING). An 802.1Q tag the kernel took off on receive (VLAN offload) is put
 * back, so trunk ports see tags.
 */
public final class AfPacketPort implements Port {

    private static final System.Logger LOG = System.getLogger(AfPacketPort.class.getName());
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int BLOCK_SIZE = 1 << 18;
    private static final int BLOCKS = 16;
    private static final int RETIRE_MILLIS = 2;

    private final String name;
    private final String iface;
    private final PacketSocket socket;
    private final MemorySegment ring;
    private final long[] offsets;
    private final int[] lengths;
    private int block;
    private int packetsLeft;
    private long packetAt;
    private volatile String brokenReason;

    private AfPacketPort(String name, String iface, PacketSocket socket) {
        this.name = name;
        this.iface = iface;
        this.socket = socket;
        this.ring = socket.ring();
        this.offsets = new long[socket.sendBatch()];
        this.lengths = new int[socket.sendBatch()];
    }

    /** @throws NoSuchInterfaceException if {@code iface} does not exist */
    public static AfPacketPort open(String name, String iface) throws IOException {
        int index = PacketSocket.ifNameToIndex(iface);
        if (index == 0) {
            throw new NoSuchInterfaceException("interface '" + iface + "' does not exist on this host"
                    + " (ip -br link shows the interfaces)");
        }
        return new AfPacketPort(name, iface, PacketSocket.open(index, BLOCK_SIZE, BLOCKS, RETIRE_MILLIS, 0,
                PacketBurst.DEFAULT_CAPACITY));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "af-packet";
    }

    private long blockBase() {
        return (long) block * BLOCK_SIZE;
    }

    private boolean blockReady() {
        boolean ready = (ring.get(U32, blockBase() + Tpacket3.BLOCK_STATUS) & Tpacket3.TP_STATUS_USER) != 0;
        VarHandle.acquireFence(); // the block's contents after its status
        return ready;
    }

    private void releaseBlock() {
        VarHandle.releaseFence(); // we are done reading before the kernel may reuse it
        ring.set(U32, blockBase() + Tpacket3.BLOCK_STATUS, Tpacket3.TP_STATUS_KERNEL);
        block = block + 1 == BLOCKS ? 0 : block + 1;
    }

    @Override
    public int receive(PacketBurst burst) {
        int added = 0;
        while (!burst.isFull()) {
            if (packetsLeft == 0) {
                if (!blockReady()) {
                    break;
                }
                packetsLeft = ring.get(U32, blockBase() + Tpacket3.BLOCK_NUM_PKTS);
                packetAt = blockBase() + (ring.get(U32, blockBase() + Tpacket3.BLOCK_FIRST_PKT) & 0xFFFF_FFFFL);
                if (packetsLeft == 0) {
                    releaseBlock();
                    continue;
                }
            }
            long hdr = packetAt;
            int snap = ring.get(U32, hdr + Tpacket3.PKT_SNAPLEN);
            int status = ring.get(U32, hdr + Tpacket3.PKT_STATUS);
            long mac = hdr + (ring.get(U16, hdr + Tpacket3.PKT_MAC) & 0xFFFF);
            boolean retag = (status & Tpacket3.TP_STATUS_VLAN_VALID) != 0;
            int length = snap + (retag ? 4 : 0);
            if (snap >= 12 && length <= PacketBurst.SLOT_SIZE && mac + snap <= blockBase() + BLOCK_SIZE) {
                int slot = burst.append(length);
                MemorySegment out = burst.data();
                long to = burst.offset(slot);
                if (retag) {
                    int tpid = (status & Tpacket3.TP_STATUS_VLAN_TPID_VALID) != 0
                            ? ring.get(U16, hdr + Tpacket3.PKT_VLAN_TPID) & 0xFFFF : 0x8100;
                    MemorySegment.copy(ring, mac, out, to, 12);
                    out.set(BE16, to + 12, (short) tpid);
                    out.set(BE16, to + 14, (short) ring.get(U32, hdr + Tpacket3.PKT_VLAN_TCI));
                    MemorySegment.copy(ring, mac + 12, out, to + 16, snap - 12);
                } else {
                    MemorySegment.copy(ring, mac, out, to, snap);
                }
                added++;
            }
            if (--packetsLeft == 0) {
                releaseBlock();
            } else {
                packetAt = hdr + (ring.get(U32, hdr + Tpacket3.PKT_NEXT_OFFSET) & 0xFFFF_FFFFL);
            }
        }
        return added;
    }

    @Override
    public synchronized int transmit(PacketBurst burst) {
        if (brokenReason != null) {
            return 0;
        }
        int sent = 0;
        int count = burst.count();
        try {
            while (sent < count) {
                int n = Math.min(offsets.length, count - sent);
                for (int i = 0; i < n; i++) {
                    offsets[i] = burst.offset(sent + i);
                    lengths[i] = burst.length(sent + i);
                }
                int r = socket.send(burst.data(), offsets, lengths, n);
                sent += r;
                if (r < n) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            if (e.errno() != io.virtwire.linux.Errno.ENOBUFS && !"ENETDOWN".equals(e.errnoName())) {
                brokenReason = "sendmmsg: " + e.getMessage();
                LOG.log(System.Logger.Level.WARNING, name + ": AF_PACKET on " + iface + " broken: " + brokenReason);
            }
        }
        return sent;
    }

    @Override
    public Fd pollFd() {
        return socket.fd();
    }

    @Override
    public int armWakeup() {
        return packetsLeft > 0 || blockReady() ? WORK_PENDING : ARMED;
    }

    @Override
    public void disarmWakeup() {
    }

    @Override
    public boolean isUp() {
        return brokenReason == null;
    }

    @Override
    public String brokenReason() {
        return brokenReason;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iface", iface);
        m.put("ring", BLOCKS + " x " + BLOCK_SIZE + " bytes (TPACKET_V3)");
        return m;
    }

    @Override
    public void close() {
        socket.close();
    }
}
