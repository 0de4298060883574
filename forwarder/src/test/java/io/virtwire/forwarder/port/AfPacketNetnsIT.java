package io.virtwire.forwarder.port;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.PortFactory;
import io.virtwire.forwarder.switching.SwitchPort;
import io.virtwire.vhostuser.net.TestGuest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.virtwire.forwarder.port.HostCommands.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Needs root: a guest (the library's front-end) on a vhost-user port reaches a Linux host in a network namespace
 * through a veth pair whose outer end is an AF_PACKET port. ARP request out, ARP reply back; ICMP echo out, echo
 * reply back: both directions through the TPACKET_V3 ring and sendmmsg.
 */
@Timeout(90)
class AfPacketNetnsIT {

    private static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final byte[] GUEST_IP = {10, (byte) 213, 0, 1};
    private static final byte[] HOST_IP = {10, (byte) 213, 0, 2};

    @TempDir
    Path dir;

    private static void run(String... cmd) throws Exception {
        HostCommands.run(20, cmd);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "queues={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void aGuestReachesAHostInANetworkNamespaceThroughAfPacket(int queues) throws Exception {
        long id = ProcessHandle.current().pid() % 10000 * 10 + queues;
        String ns = "vwfns" + id;
        String outer = "vwfo" + id;
        String inner = "vwfi" + id;
        try {
            run("ip", "netns", "add", ns);
            run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner);
            run("ip", "link", "set", inner, "netns", ns);
            run("ip", "netns", "exec", ns, "ip", "addr", "add", "10.213.0.2/24", "dev", inner);
            run("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up");
            run("ip", "link", "set", outer, "up");
            try (Forwarder f = new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1)) {
                SwitchPort uplink = f.addPort(new PortConfig("uplink", "af-packet", null, null, queues, null, outer, null, null));
                f.addPort(new PortConfig("vm", "vhost-user", dir.resolve("vm.sock").toString(), "server",
                        null, null, null, null, null));
                try (TestGuest guest = TestGuest.connect(dir.resolve("vm.sock"), "netns-guest")) {
                    guest.send(arpRequest());
                    byte[] reply = awaitFrame(guest, 0x0806);
                    assertNotNull(reply, "an ARP reply from the namespace host");
                    assertEquals(2, ((reply[20] & 0xFF) << 8) | (reply[21] & 0xFF), "opcode: reply");
                    byte[] hostMac = java.util.Arrays.copyOfRange(reply, 22, 28);
                    assertEquals(ByteBuffer.wrap(HOST_IP), ByteBuffer.wrap(reply, 28, 4), "sender IP is the host's");
                    assertEquals(ByteBuffer.wrap(GUEST_MAC), ByteBuffer.wrap(reply, 0, 6), "sent to the guest's MAC");

                    guest.send(echoRequest(hostMac, 77));
                    byte[] echo = awaitFrame(guest, 0x0800);
                    assertNotNull(echo, "an ICMP echo reply");
                    assertEquals(1, echo[23], "IP protocol ICMP");
                    assertEquals(0, echo[34], "ICMP type: echo reply");
                    assertEquals(77, ((echo[40] & 0xFF) << 8) | (echo[41] & 0xFF), "our sequence number");
                    assertTrue(uplink.counters().rxPackets() >= 2, "frames came in through the ring");
                    assertTrue(uplink.counters().txPackets() >= 2, "frames went out through sendmmsg");
                    assertEquals(uplink.slot(), f.macs().lookup(1, mac(hostMac), System.nanoTime()),
                            "the host's MAC was learned on the AF_PACKET port");
                    @SuppressWarnings("unchecked")
                    List<java.util.Map<String, Object>> perQueue =
                            (List<java.util.Map<String, Object>>) uplink.port().describe().get("queueStats");
                    assertEquals(queues, perQueue.size(), "a counter set per fanout queue");
                    long sum = 0;
                    for (var q : perQueue) {
                        sum += (Long) q.get("rxPackets");
                        assertEquals(0L, q.get("ringFullDrops"));
                    }
                    assertEquals(uplink.counters().rxPackets(), sum, "the queues' frames add up to the port's");
                }
            }
        } finally {
            quietly("ip", "link", "del", outer);
            quietly("ip", "netns", "del", ns);
        }
    }

    private static long mac(byte[] m) {
        long v = 0;
        for (byte b : m) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    /** The first frame of {@code ethertype} the guest receives within 10 s (IPv6 chatter from the host is skipped). */
    private static byte[] awaitFrame(TestGuest guest, int ethertype) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (byte[] fr : guest.receiveNow()) {
                int type = ((fr[12] & 0xFF) << 8) | (fr[13] & 0xFF);
                if (type == ethertype) {
                    return fr;
                }
                seen.add(Integer.toHexString(type));
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no frame of type 0x" + Integer.toHexString(ethertype) + "; saw " + seen);
    }

    private static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(GUEST_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(GUEST_MAC).put(GUEST_IP).put(new byte[6]).put(HOST_IP);
        return b.array();
    }

    private static byte[] echoRequest(byte[] dstMac, int seq) {
        int payload = 32;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(dstMac).put(GUEST_MAC).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0).put(GUEST_IP).put(HOST_IP);
        b.putShort(ip + 10, checksum(b.array(), ip, 20));
        int icmp = b.position();
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x4242).putShort((short) seq);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        b.putShort(icmp + 2, checksum(b.array(), icmp, 8 + payload));
        return b.array();
    }

    private static short checksum(byte[] a, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((a[off + i] & 0xFF) << 8) | (i + 1 < len ? a[off + i + 1] & 0xFF : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
