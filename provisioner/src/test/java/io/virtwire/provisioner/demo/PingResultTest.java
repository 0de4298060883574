package io.virtwire.provisioner.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.host.ProcessCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PingResultTest {

    @TempDir
    Path dir;

    /** What the demo guest's serial console looks like (CRLF line ends, the kernel echoing the command line first). */
    private static final String CONSOLE = String.join("\r\n",
            "[    0.047188] Kernel command line: console=ttyS0 vw.run=\"for t in 10.0.0.2 10.0.0.3; do ping -c 3 $t; done; echo VW-DEMO-PINGS-DONE\"",
            "VIRTWIRE-GUEST-BOOT",
            "VIRTWIRE-GUEST-READY eth0=52:54:00:de:00:01 ip=10.0.0.1/24",
            "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
            "64 bytes from 10.0.0.2: seq=2 ttl=64 time=20.613 ms",
            "",
            "--- 10.0.0.2 ping statistics ---",
            "3 packets transmitted, 1 packets received, 66% packet loss",
            "PING 10.0.0.3 (10.0.0.3): 56 data bytes",
            "",
            "--- 10.0.0.3 ping statistics ---",
            "3 packets transmitted, 0 packets received, 100% packet loss",
            "");

    @Test
    void busyboxSummariesAreAttributedToTheirTarget() {
        List<PingResult> all = PingResult.parseAll("g1", CONSOLE);
        assertEquals(List.of(new PingResult("g1", "10.0.0.2", 3, 1), new PingResult("g1", "10.0.0.3", 3, 0)), all);
        assertTrue(all.get(0).answered(), "one reply of three counts as answered");
        assertFalse(all.get(1).answered());
    }

    @Test
    void iputilsSummaryParsesToo() {
        String iputils = "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=3.1 ms\n\n"
                + "--- 10.0.0.1 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n";
        assertEquals(Optional.of(new PingResult("ns", "10.0.0.1", 3, 3)), PingResult.find("ns", "10.0.0.1", iputils));
        assertEquals(Optional.empty(), PingResult.find("ns", "10.0.0.2", iputils), "a ping that has not finished has no result");
    }

    @Test
    void consoleMarkersCountOnlyAtTheStartOfALine() throws Exception {
        Path serial = dir.resolve("guest.serial");
        GuestConsole console = new GuestConsole(serial);
        assertEquals(Optional.empty(), console.ready(), "no file yet");
        Files.writeString(serial, CONSOLE);
        assertEquals(Optional.of("VIRTWIRE-GUEST-READY eth0=52:54:00:de:00:01 ip=10.0.0.1/24"), console.ready());
        assertFalse(console.pingsDone(), "the kernel's echo of the command line is not the marker");
        assertTrue(console.repliedFrom("10.0.0.2"));
        assertFalse(console.repliedFrom("10.0.0.3"));
        assertEquals(Optional.empty(), console.failure());
        Files.writeString(serial, CONSOLE + "VW-DEMO-PINGS-DONE\r\n");
        assertTrue(console.pingsDone());
        assertFalse(console.interestingLines().stream().anyMatch(l -> l.startsWith("[")), "no kernel log lines");
    }

    @Test
    void aGuestWithoutNetworkIsAFailure() throws Exception {
        Path serial = dir.resolve("guest.serial");
        Files.writeString(serial, "VIRTWIRE-GUEST-BOOT\r\nVIRTWIRE-GUEST-NONET eth0 did not appear within 10s\r\n");
        assertEquals(Optional.of("VIRTWIRE-GUEST-NONET eth0 did not appear within 10s"), new GuestConsole(serial).failure());
    }

    @Test
    void commandLinesAreQuotedWhereTheShellWouldSplitThem() {
        assertEquals("virtwire define-domain --cmdline 'a b vw.run=\"x; y\"' --name vm1",
                ProcessCommandRunner.line(List.of("virtwire", "define-domain", "--cmdline", "a b vw.run=\"x; y\"", "--name", "vm1")));
        assertEquals("echo 'it'\\''s'", ProcessCommandRunner.line(List.of("echo", "it's")));
    }
}
