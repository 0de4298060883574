package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.PacketBurst;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

/** What the QEMU guest tests share: a two-device wire, waiting on a guest's serial log, and its md5 lines. */
final class GuestWire {

    private GuestWire() {
    }

    /** The tiny guest built by scripts/build-guest (build/guest under the checkout); fails the test without it. */
    static Path guestDir() {
        Path d = Path.of(System.getProperty("virtwire.root", "..")).resolve("build/guest").toAbsolutePath().normalize();
        if (!Files.isRegularFile(d.resolve("vmlinuz")) || !Files.isRegularFile(d.resolve("initramfs.cpio.gz"))) {
            fail("the test guest is missing in " + d + ": run ./scripts/setup (or scripts/build-guest)");
        }
        return d;
    }

    /** QEMU's binary; fails the test with how to install it. */
    static Path qemu() {
        Path q = Path.of("/usr/bin/qemu-system-x86_64");
        if (!Files.isExecutable(q)) {
            fail("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 (./scripts/setup installs it)");
        }
        return q;
    }

    /** The guest's {@code vw.run64=} kernel parameter: {@code shell} base64-encoded, so no quoting can break it. */
    static String run64(String shell) {
        return "vw.run64=" + Base64.getEncoder().encodeToString(shell.getBytes(StandardCharsets.UTF_8));
    }

    /** The simplest switch: what one guest sends, the other receives, until {@code running} turns false. */
    static void crossConnect(VhostUserNetDevice a, VhostUserNetDevice b, AtomicBoolean running) {
        PacketBurst burst = new PacketBurst();
        while (running.get()) {
            int moved = 0;
            burst.clear();
            if (a.fromGuest(burst) > 0) {
                moved += burst.count();
                b.toGuest(burst);
            }
            burst.clear();
            if (b.fromGuest(burst) > 0) {
                moved += burst.count();
                a.toGuest(burst);
            }
            if (moved == 0) {
                a.awaitWork(1);
                b.awaitWork(1);
            }
        }
    }

    /** The md5 that busybox md5sum printed for {@code file} on the guest's console, or null. */
    static String md5(String serial, String file) {
        for (String line : serial.split("\r?\n")) {
            String l = line.strip();
            if (l.endsWith(file) && l.length() > 32) {
                return l.substring(0, 32);
            }
        }
        return null;
    }

    static void waitFor(Path serial, String marker, Duration timeout, Process qemu) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(serial) && Files.readString(serial).contains(marker)) {
                return;
            }
            if (!qemu.isAlive() && !(Files.exists(serial) && Files.readString(serial).contains(marker))) {
                fail("QEMU exited (" + qemu.exitValue() + ") before " + marker + "; serial:\n"
                        + (Files.exists(serial) ? Files.readString(serial) : "(none)"));
            }
            Thread.sleep(250);
        }
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + marker + " in " + serial + ":\n"
                + (Files.exists(serial) ? Files.readString(serial) : "(none)"));
    }
}
