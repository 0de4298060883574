package io.virtwire.vhostuser.net;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.vhostuser.backend.BackendServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU guests (the tiny kernel + busybox image from scripts/build-guest, under TCG) whose virtio-net
 * drivers negotiate with our backend: two guests, each on one {@link VhostUserNetDevice}, the test moving
 * frames between the two devices; guest A pings guest B and sends it a file whose checksum B prints.
 */
@Timeout(300)
class QemuGuestIT {

    private static final Duration BOOT = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    private Process boot(String name, Path sock, String mac, String cmdline, Path serial) throws IOException {
        Path guest = GuestWire.guestDir();
        List<String> cmd = new ArrayList<>(List.of(GuestWire.qemu().toString(), "-accel", "tcg", "-machine", "pc", "-cpu", "qemu64",
                "-smp", "1", "-m", "256", "-nodefaults", "-nographic", "-no-reboot",
                "-serial", "file:" + serial, "-kernel", guest.resolve("vmlinuz").toString(),
                "-initrd", guest.resolve("initramfs.cpio.gz").toString(),
                // no_timer_check: under TCG on a loaded machine the IO-APIC timer check can panic the guest
                "-append", "console=ttyS0 panic=-1 no_timer_check " + cmdline,
                // the backend maps guest RAM from the fds QEMU sends: it must be shared memfd memory
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=c0,path=" + sock, "-netdev", "vhost-user,id=n0,chardev=c0",
                // vectors=0: QEMU 7.2 under TCG crashes when a vhost-user virtio-net device uses MSI-X
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",vectors=0"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".qemu.log").toFile()).start();
    }

    @Test
    void twoGuestsPingAndTransferThroughOurBackend() throws Exception {
        Path sockA = dir.resolve("a.sock");
        Path sockB = dir.resolve("b.sock");
        try (VhostUserNetDevice a = new VhostUserNetDevice("guest-a", 1, 256);
             VhostUserNetDevice b = new VhostUserNetDevice("guest-b", 1, 256);
             BackendServer serverA = BackendServer.listen(sockA, a);
             BackendServer serverB = BackendServer.listen(sockB, b)) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread wire = Thread.ofPlatform().name("qemu-it-wire").start(() -> GuestWire.crossConnect(a, b, running));
            Path serialA = dir.resolve("a.serial");
            Path serialB = dir.resolve("b.serial");
            Process guestB = null;
            Process guestA = null;
            try {
                // B listens for a 1 MiB transfer on TCP 5000 and prints its checksum; A pings, then sends the file
                guestB = boot("b", sockB, "52:54:00:00:0b:01", "vw.ip=10.0.0.2/24 vw.timeout=200 "
                        + GuestWire.run64("nc -l -p 5000 > /tmp/rx; md5sum /tmp/rx"), serialB);
                guestA = boot("a", sockA, "52:54:00:00:0a:01", "vw.ip=10.0.0.1/24 vw.timeout=200 "
                        + GuestWire.run64("ping -c 3 -w 60 10.0.0.2 && dd if=/dev/urandom of=/tmp/tx bs=1024 count=1024 2>/dev/null"
                        + " && md5sum /tmp/tx && sleep 2 && nc -w 10 10.0.0.2 5000 < /tmp/tx"), serialA);
                GuestWire.waitFor(serialA, "VIRTWIRE-GUEST-RESULT", BOOT, guestA);
                String outA = Files.readString(serialA);
                assertTrue(outA.contains("VIRTWIRE-GUEST-READY"), outA);
                assertTrue(outA.contains("3 packets transmitted, 3 packets received"), outA);
                assertTrue(outA.contains("VIRTWIRE-GUEST-RESULT rc=0"), outA);
                GuestWire.waitFor(serialB, "VIRTWIRE-GUEST-RESULT", Duration.ofSeconds(60), guestB);
                String outB = Files.readString(serialB);
                String sent = GuestWire.md5(outA, "/tmp/tx");
                String received = GuestWire.md5(outB, "/tmp/rx");
                assertTrue(sent != null && sent.equals(received), "checksums differ: sent " + sent + ", received " + received + "\n" + outB);
                assertTrue(!a.isBroken() && !b.isBroken());
            } finally {
                running.set(false);
                a.wakeUp();
                b.wakeUp();
                wire.join(5000);
                for (Process p : new Process[] {guestA, guestB}) {
                    if (p != null) {
                        p.destroyForcibly().waitFor();
                    }
                }
            }
        }
    }
}
