package io.virtwire.forwarder.port;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.config.VlanConfig;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.PortFactory;
import io.virtwire.forwarder.metrics.DropReason;
import io.virtwire.forwarder.switching.SwitchPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static io.virtwire.forwarder.port.HostCommands.exitCode;
import static io.virtwire.forwarder.port.HostCommands.quietly;
import static io.virtwire.forwarder.port.HostCommands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Needs root and python3: VLANs with real kernels on every side. Three network namespaces reach the forwarder's
 * L2 switch through TAP ports: A on an access port of VLAN 10, B on an access port of VLAN 20, T on a trunk
 * carrying 10 and 20. T sends 802.1Q-tagged ARP requests from a raw socket (this kernel has no 8021q module for
 * VLAN sub-interfaces) and reads the tags of what comes back (PACKET_AUXDATA): A answers on VLAN 10, B on
 * VLAN 20, so the access ports got their frames untagged and the trunk sees each answer with its VLAN's tag. A
 * request on VLAN 10 for an address B holds gets no answer, and A's own broadcasts never leave through B.
 */
@Timeout(90)
class VlanIsolationNetnsIT {

    /** Sends one tagged ARP request per "VLAN:TARGET" argument, then prints "reply vlan=V from=IP" for 3 s. */
    private static final String TRUNK_PEER = """
            import socket, struct, sys, time
            iface = sys.argv[1]
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((iface, 0))
            s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA: the tag the kernel took off
            mac = s.getsockname()[4]
            for arg in sys.argv[2:]:
                vlan, target = arg.split(':')
                sender = '10.215.%s.3' % vlan
                arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(sender),
                                  b'\\0' * 6, socket.inet_aton(target))
                s.send(b'\\xff' * 6 + mac + struct.pack('!HHH', 0x8100, int(vlan), 0x0806) + arp)
            s.settimeout(0.2)
            end = time.time() + 3
            while time.time() < end:
                try:
                    frame, anc, _, _ = s.recvmsg(65535, socket.CMSG_SPACE(20))
                except socket.timeout:
                    continue
                vlan, body = None, frame[12:]
                for level, kind, data in anc:
                    if level == 263 and kind == 8:
                        status, _, _, _, _, tci, _ = struct.unpack('IIIHHHH', data[:20])
                        if status & 0x10:
                            vlan = tci & 0xfff
                if body[:2] == b'\\x81\\x00':
                    vlan, body = struct.unpack('!H', body[2:4])[0] & 0xfff, body[4:]
                if body[:2] == b'\\x08\\x06' and struct.unpack('!H', body[8:10])[0] == 2:
                    print('reply vlan=%s from=%s' % (vlan, socket.inet_ntoa(body[16:20])), flush=True)
            """;

    @Test
    void accessPortsOnDifferentVlansAreIsolatedAndTheTrunkSeesBothTags() throws Exception {
        long id = ProcessHandle.current().pid() % 10000;
        String nsA = "vwva" + id;
        String nsB = "vwvb" + id;
        String nsT = "vwvt" + id;
        String tapA = "vwvA" + id;
        String tapB = "vwvB" + id;
        String tapT = "vwvT" + id;
        try (Forwarder f = new Forwarder(Forwarder.Mode.SWITCH, 1, List.of(), Duration.ofMinutes(5), new PortFactory(), -1)) {
            SwitchPort a = f.addPort(tap("a", tapA, new VlanConfig("access", 10, null, null)));
            SwitchPort b = f.addPort(tap("b", tapB, new VlanConfig("access", 20, null, null)));
            SwitchPort t = f.addPort(tap("t", tapT, new VlanConfig("trunk", null, List.of(10, 20), null)));
            for (String[] ns : new String[][] {{nsA, tapA}, {nsB, tapB}, {nsT, tapT}}) {
                run(20, "ip", "netns", "add", ns[0]);
                run(20, "ip", "link", "set", ns[1], "netns", ns[0]);
                run(20, "ip", "-n", ns[0], "link", "set", ns[1], "up");
            }
            run(20, "ip", "-n", nsA, "addr", "add", "10.215.10.1/24", "dev", tapA);
            run(20, "ip", "-n", nsB, "addr", "add", "10.215.20.2/24", "dev", tapB);
            run(20, "ip", "-n", nsB, "addr", "add", "10.215.10.2/24", "dev", tapB); // a bait in A's subnet

            String seen = run(30, "ip", "netns", "exec", nsT, "python3", "-c", TRUNK_PEER, tapT,
                    "10:10.215.10.1", "20:10.215.20.2", "10:10.215.10.2");
            assertTrue(seen.contains("reply vlan=10 from=10.215.10.1"), "A answered on VLAN 10: " + seen);
            assertTrue(seen.contains("reply vlan=20 from=10.215.20.2"), "B answered on VLAN 20: " + seen);
            assertFalse(seen.contains("from=10.215.10.2"), "a request on VLAN 10 must not reach B: " + seen);
            assertEquals(2, seen.lines().filter(l -> l.startsWith("reply")).count(), seen);
            // (T's own kernel sends untagged IPv6 neighbour discovery: a trunk without a native VLAN drops it, so
            // the trunk's VLAN drops are not 0 and prove nothing either way)
            assertTrue(t.counters().txPackets() >= 2, "both answers went out of the trunk: " + t.counters().txPackets());

            long toB = b.counters().txPackets();
            assertNotEquals(0, exitCode(30, "ip", "netns", "exec", nsA, "busybox", "ping", "-c", "2", "-W", "2",
                    "10.215.10.2"), "A (VLAN 10) must not reach B (VLAN 20) even at an address of its own subnet");
            assertEquals(toB, b.counters().txPackets(), "not one of A's frames (ARP broadcasts included) went out of B");
            assertEquals(0, a.counters().drops(DropReason.VLAN), "an access port takes untagged frames");
        } finally {
            for (String ns : new String[] {nsA, nsB, nsT}) {
                quietly("ip", "netns", "del", ns);
            }
            for (String tap : new String[] {tapA, tapB, tapT}) {
                quietly("ip", "link", "del", tap);
            }
        }
    }

    private static PortConfig tap(String name, String iface, VlanConfig vlan) {
        return new PortConfig(name, "tap", null, null, null, null, iface, null, vlan, false);
    }
}
