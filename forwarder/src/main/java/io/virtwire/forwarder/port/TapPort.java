package io.virtwire.forwarder.port;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Tun;
import io.virtwire.virtio.net.Offloads;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;
import io.virtwire.virtio.net.VirtioNetHeader;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TAP interface (IFF_TAP | IFF_NO_PI), created if it does not exist: for hosts without a spare NIC, the host
 * stack is the peer. One read or write per frame on a non-blocking descriptor; the descriptor itself is the
 * wakeup.
 *
 * <p>With offloads: IFF_VNET_HDR with a 12-byte header (TUNSETVNETHDRSZ) and TUNSETOFFLOAD (checksum, TSO4/6,
 * ECN), so the kernel hands us partial-checksum and 64 KiB GSO frames and takes them back. The header is read and
 * written in place in front of the frame (the burst's layout), so a frame still costs one system call. The
 * kernel's headers are its own (tun builds them from the skb); what we write it validates itself.
 */
public final class TapPort implements Port {

    private static final System.Logger LOG = System.getLogger(TapPort.class.getName());

    private final String name;
    private final String iface;
    private final Fd fd;
    private final boolean offloads;
    private volatile String brokenReason;

    private TapPort(String name, String iface, Fd fd, boolean offloads) {
        this.name = name;
        this.iface = iface;
        this.fd = fd;
        this.offloads = offloads;
    }

    public static TapPort open(String name, String iface) throws IOException {
        return open(name, iface, false);
    }

    public static TapPort open(String name, String iface, boolean offloads) throws IOException {
        Fd fd = Tun.openTap(iface, offloads);
        if (offloads) {
            try {
                Tun.enableOffloads(fd, VirtioNetHeader.SIZE,
                        Tun.TUN_F_CSUM | Tun.TUN_F_TSO4 | Tun.TUN_F_TSO6 | Tun.TUN_F_TSO_ECN);
            } catch (IOException | RuntimeException e) {
                fd.close();
                throw e;
            }
        }
        return new TapPort(name, iface, fd, offloads);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "tap";
    }

    @Override
    public int receive(PacketBurst burst) {
        if (brokenReason != null) {
            return 0;
        }
        int added = 0;
        try {
            if (offloads) {
                return receiveWithHeaders(burst);
            }
            while (!burst.isFull()) {
                int slot = burst.count();
                long n = Tun.read(fd, burst.data(), burst.offset(slot), burst.slotSize());
                if (n < 0) {
                    break;
                }
                burst.append((int) n);
                added++;
            }
        } catch (ErrnoException e) {
            fail("read: " + e.getMessage());
        }
        return added;
    }

    private int receiveWithHeaders(PacketBurst burst) throws ErrnoException {
        int added = 0;
        while (!burst.isFull()) {
            int slot = burst.append(0); // zero header: the kernel writes 10 of its 12 bytes
            long n = Tun.read(fd, burst.data(), burst.headerOffset(slot), VirtioNetHeader.SIZE + burst.slotSize());
            if (n < VirtioNetHeader.SIZE) {
                burst.removeLast();
                break;
            }
            burst.setLastLength((int) n - VirtioNetHeader.SIZE);
            added++;
        }
        return added;
    }

    @Override
    public int offloadsAccepted() {
        return offloads ? Offloads.ALL : Offloads.NONE;
    }

    @Override
    public boolean largeFrames() {
        return offloads;
    }

    @Override
    public synchronized int transmit(PacketBurst burst) {
        if (brokenReason != null) {
            return 0;
        }
        int sent = 0;
        int header = offloads ? VirtioNetHeader.SIZE : 0;
        try {
            for (int i = 0; i < burst.count(); i++) {
                if (!Tun.write(fd, burst.data(), burst.offset(i) - header, burst.length(i) + header)) {
                    break;
                }
                sent++;
            }
        } catch (ErrnoException e) {
            if (e.errno() == io.virtwire.linux.Errno.EIO) {
                return sent; // the interface is down: the kernel refuses frames until it is up
            }
            fail("write: " + e.getMessage());
        }
        return sent;
    }

    private void fail(String reason) {
        if (brokenReason == null) {
            brokenReason = reason;
            LOG.log(System.Logger.Level.WARNING, name + ": TAP " + iface + " broken: " + reason);
        }
    }

    @Override
    public Fd pollFd() {
        return fd;
    }

    @Override
    public Wakeup armWakeup() {
        return Wakeup.ARMED;
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
        m.put("offloads", offloads);
        return m;
    }

    @Override
    public void close() {
        fd.close();
    }
}
