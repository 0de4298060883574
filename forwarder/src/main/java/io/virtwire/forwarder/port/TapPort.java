package io.virtwire.forwarder.port;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Tun;
import io.virtwire.vhostuser.net.PacketBurst;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TAP interface (IFF_TAP | IFF_NO_PI), created if it does not exist: for hosts without a spare NIC, the host
 * stack is the peer. One read or write per frame on a non-blocking descriptor; the descriptor itself is the
 * wakeup. No virtio-net header (the vhost-user side offers no offloads, so there is nothing to carry).
 */
public final class TapPort implements Port {

    private static final System.Logger LOG = System.getLogger(TapPort.class.getName());

    private final String name;
    private final String iface;
    private final Fd fd;
    private volatile String brokenReason;

    private TapPort(String name, String iface, Fd fd) {
        this.name = name;
        this.iface = iface;
        this.fd = fd;
    }

    public static TapPort open(String name, String iface) throws IOException {
        return new TapPort(name, iface, Tun.openTap(iface, false));
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
            while (!burst.isFull()) {
                int slot = burst.count();
                long n = Tun.read(fd, burst.data(), burst.offset(slot), PacketBurst.SLOT_SIZE);
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

    @Override
    public synchronized int transmit(PacketBurst burst) {
        if (brokenReason != null) {
            return 0;
        }
        int sent = 0;
        try {
            for (int i = 0; i < burst.count(); i++) {
                if (!Tun.write(fd, burst.data(), burst.offset(i), burst.length(i))) {
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
    public int armWakeup() {
        return ARMED;
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
        return m;
    }

    @Override
    public void close() {
        fd.close();
    }
}
