package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The repository's tiny test guest (scripts/build-guest: Debian kernel + busybox initramfs) under QEMU/TCG with
 * one vhost-user NIC in client mode with reconnect (libvirt {@code <source mode='client'><reconnect .../>}),
 * vectors=0 (QEMU 7.2 under TCG needs it), memfd shared memory. Serial console in a file.
 */
final class TcgGuest implements AutoCloseable {

    private final Process process;
    final Path serial;

    private TcgGuest(Process process, Path serial) {
        this.process = process;
        this.serial = serial;
    }

    static Path guestDir() throws Exception {
        Path root = Path.of(System.getProperty("virtwire.root", "..")).toAbsolutePath().normalize();
        Path dir = root.resolve("build/guest");
        Path tools = dir.resolve("tools");
        // an image from before ethtool was added (no tools list naming it) is rebuilt: the multiqueue test needs it
        if (!Files.exists(dir.resolve("vmlinuz")) || !Files.exists(dir.resolve("initramfs.cpio.gz"))
                || !Files.exists(tools) || !Files.readString(tools).contains("ethtool")) {
            Process p = new ProcessBuilder(root.resolve("scripts/build-guest").toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("scripts/build-guest failed: the guest image is needed (it uses Debian's"
                        + " linux-image-cloud-amd64, busybox-static and ethtool; scripts/setup installs them)");
            }
        }
        return dir;
    }

    static TcgGuest start(String name, Path socket, String mac, String ip, String command, Path dir) throws Exception {
        return start(name, socket, mac, ip, command, dir, 1);
    }

    /**
     * @param queues queue pairs of the NIC: more than one adds {@code queues=N} to the netdev, {@code mq=on} to the
     *               device and one vCPU per pair ({@code -smp N}), since Linux's virtio_net enables
     *               min(pairs, online CPUs) pairs at probe and maps transmit queue i to CPU i (XPS)
     */
    static TcgGuest start(String name, Path socket, String mac, String ip, String command, Path dir, int queues)
            throws Exception {
        Path g = guestDir();
        Path serial = dir.resolve(name + ".serial");
        String run64 = Base64.getEncoder().encodeToString(command.getBytes(StandardCharsets.UTF_8));
        List<String> cmd = List.of("timeout", "--kill-after=5", "300", "qemu-system-x86_64", "-name", name,
                "-accel", "tcg", "-machine", "pc", "-cpu", "qemu64", "-smp", String.valueOf(queues), "-m", "256", "-nodefaults",
                "-nographic", "-no-reboot", "-serial", "file:" + serial,
                "-kernel", g.resolve("vmlinuz").toString(), "-initrd", g.resolve("initramfs.cpio.gz").toString(),
                // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can fail and panic
                // ("IO-APIC + timer doesn't work!"), seen once in a full run while other benchmarks shared the CPUs
                "-append", "console=ttyS0 panic=-1 no_timer_check vw.ip=" + ip + "/24 vw.run64=" + run64,
                "-chardev", "socket,id=c0,path=" + socket + ",reconnect=1",
                "-netdev", "vhost-user,id=n0,chardev=c0" + (queues > 1 ? ",queues=" + queues : ""),
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",vectors=0" + (queues > 1 ? ",mq=on" : ""),
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem");
        return new TcgGuest(ChildProcess.startLogged(cmd, dir.resolve(name + ".qemu.log"), false), serial);
    }

    String console() {
        try {
            return Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits (bounded) until the console shows {@code marker}; fails with the console otherwise. */
    String await(String marker, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String c = console();
            if (c.contains(marker)) {
                return c;
            }
            if (!process.isAlive() && !console().contains(marker)) {
                break;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + marker + "' on " + serial.getFileName() + " within " + seconds + " s:\n" + console());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws Exception {
        ChildProcess.stop(process, 10);
    }
}
