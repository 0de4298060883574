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
 * Seed 001's setup in small: a QEMU guest behind a virtual Intel IOMMU ({@code intel-iommu,device-iotlb=on}, the
 * guest booted with {@code intel_iommu=on}) whose virtio-net device has {@code iommu_platform=on,ats=on}, so
 * QEMU acks VIRTIO_F_ACCESS_PLATFORM and every ring and buffer address our backend sees is an IOVA it must have
 * translated through IOTLB misses and updates. The IOMMU guest pings a plain guest and sends it 128 KiB whose
 * checksum the other prints. Same tiny guest as {@link QemuGuestIT} (scripts/build-guest), TCG, vectors=0.
 */
@Timeout(400)
class QemuIommuGuestIT {

    private static final Duration BOOT = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    private Process boot(String name, Path sock, String mac, String cmdline, Path serial, boolean iommu) throws IOException {
        Path guest = GuestWire.guestDir();
        List<String> cmd = new ArrayList<>(List.of(GuestWire.qemu().toString(), "-accel", "tcg", "-machine", iommu ? "q35" : "pc",
                "-cpu", "qemu64", "-smp", "1", "-m", "256", "-nodefaults", "-nographic", "-no-reboot",
                "-serial", "file:" + serial, "-kernel", guest.resolve("vmlinuz").toString(),
                "-initrd", guest.resolve("initramfs.cpio.gz").toString(),
                "-append", "console=ttyS0 panic=-1 " + (iommu ? "intel_iommu=on iommu.strict=1 " : "") + cmdline,
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=c0,path=" + sock, "-netdev", "vhost-user,id=n0,chardev=c0"));
        if (iommu) {
            // the IOMMU must exist before the PCI devices it translates for; ATS needs a PCIe port
            cmd.addAll(List.of("-device", "intel-iommu,intremap=off,device-iotlb=on",
                    "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
                    "-device", "virtio-net-pci,bus=rp0,netdev=n0,mac=" + mac
                            + ",vectors=0,iommu_platform=on,ats=on,disable-legacy=on"));
        } else {
            cmd.addAll(List.of("-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",vectors=0"));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".qemu.log").toFile()).start();
    }

    @Test
    void aGuestBehindAVirtualIommuPingsAndTransfersThroughOurBackend() throws Exception {
        Path sockA = dir.resolve("a.sock");
        Path sockB = dir.resolve("b.sock");
        try (VhostUserNetDevice a = new VhostUserNetDevice("iommu-guest", 1, 256);
             VhostUserNetDevice b = new VhostUserNetDevice("plain-guest", 1, 256);
             BackendServer serverA = BackendServer.listen(sockA, a);
             BackendServer serverB = BackendServer.listen(sockB, b)) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread wire = Thread.ofPlatform().name("qemu-iommu-it-wire").start(() -> GuestWire.crossConnect(a, b, running));
            Path serialA = dir.resolve("a.serial");
            Path serialB = dir.resolve("b.serial");
            Process guestB = null;
            Process guestA = null;
            try {
                guestB = boot("b", sockB, "52:54:00:00:0b:02", "vw.ip=10.0.0.2/24 vw.timeout=300 "
                        + GuestWire.run64("nc -l -p 5000 > /tmp/rx; md5sum /tmp/rx"), serialB, false);
                GuestWire.waitFor(serialB, "VIRTWIRE-GUEST-READY", BOOT, guestB);
                guestA = boot("a", sockA, "52:54:00:00:0a:02", "vw.ip=10.0.0.1/24 vw.timeout=300 "
                        + GuestWire.run64("ls /sys/class/iommu; ping -c 10 -w 120 10.0.0.2;"
                        + " dd if=/dev/urandom of=/tmp/tx bs=1024 count=128 2>/dev/null"
                        + " && md5sum /tmp/tx && sleep 2 && nc -w 20 10.0.0.2 5000 < /tmp/tx"), serialA, true);
                GuestWire.waitFor(serialA, "VIRTWIRE-GUEST-RESULT", BOOT, guestA);
                String outA = Files.readString(serialA);
                String qemuA = Files.readString(dir.resolve("a.qemu.log")) + "\ncounters: A tx " + a.fromGuestFrames()
                        + " rx " + a.toGuestFrames() + " rxDropped " + a.toGuestDropped() + " txDropped " + a.fromGuestDropped()
                        + " / B tx " + b.fromGuestFrames() + " rx " + b.toGuestFrames() + " rxDropped " + b.toGuestDropped();
                assertTrue(outA.contains("VIRTWIRE-GUEST-READY"), outA + "\n" + qemuA);
                // a receive buffer the device has no translation for yet drops the frame that needed it (it asks, and
                // the next frame gets through): some pings may be lost, the TCP transfer below must be complete
                assertTrue(outA.matches("(?s).*10 packets transmitted, ([1-9]|10) packets received.*"), outA + "\n" + qemuA);
                System.out.println("QemuIommuGuestIT " + qemuA.substring(qemuA.indexOf("counters:")));
                assertTrue(outA.contains("VIRTWIRE-GUEST-RESULT rc=0"), outA + "\n" + qemuA);
                GuestWire.waitFor(serialB, "VIRTWIRE-GUEST-RESULT", Duration.ofSeconds(90), guestB);
                String outB = Files.readString(serialB);
                String sent = GuestWire.md5(outA, "/tmp/tx");
                String received = GuestWire.md5(outB, "/tmp/rx");
                assertTrue(sent != null && sent.equals(received), "checksums differ: sent " + sent + ", received " + received + "\n" + outB);
                assertTrue(!a.isBroken() && !b.isBroken(), a.brokenReason() + " / " + b.brokenReason());
                assertTrue(a.fromGuestFrames() > 100 && a.toGuestFrames() > 10, "frames moved through translated rings");
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
