package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU/TCG process of the repository's test guest (scripts/build-guest) for live migration: a vhost-user NIC
 * with {@code queues} pairs ({@code -netdev vhost-user,queues=N} + {@code virtio-net-pci,mq=on}, QEMU in client mode
 * with reconnect, as libvirt's {@code <source mode='client'>}), guest RAM in a shared memfd (the backend maps it,
 * and after the move the destination's), a QMP socket, and, for the destination, {@code -incoming}. Source and
 * destination must be started with the same arguments apart from the socket, QMP path and {@code -incoming}:
 * QEMU migrates device state, not configuration. As many vCPUs as queue pairs: the guest's virtio-net enables
 * min(pairs, CPUs) pairs, so each pair carries traffic.
 */
final class MigratingQemu implements AutoCloseable {

    private final Process process;
    private final Path serial;
    private final Path qmpSocket;
    private final Path log;

    private MigratingQemu(Process process, Path serial, Path qmpSocket, Path log) {
        this.process = process;
        this.serial = serial;
        this.qmpSocket = qmpSocket;
        this.log = log;
    }

    /** {@code incoming}: null for the source, else a migration URI such as {@code unix:/tmp/x/mig.sock}. */
    static MigratingQemu start(String name, Path socket, String mac, String ip, int queues, Path dir, String incoming)
            throws Exception {
        Path g = TcgGuest.guestDir(); // the one test image, rebuilt if missing or older than its tools list
        Path serial = dir.resolve(name + ".serial");
        Path qmp = dir.resolve(name + ".qmp");
        Path log = dir.resolve(name + ".qemu.log");
        String run64 = Base64.getEncoder().encodeToString("sleep 100000".getBytes(StandardCharsets.UTF_8));
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=5", "600", "qemu-system-x86_64", "-name", name,
                "-accel", "tcg", "-machine", "pc", "-cpu", "qemu64", "-smp", Integer.toString(queues), "-m", "256",
                "-nodefaults", "-nographic", "-no-reboot", "-serial", "file:" + serial,
                "-kernel", g.resolve("vmlinuz").toString(), "-initrd", g.resolve("initramfs.cpio.gz").toString(),
                // no_timer_check: see TcgGuest (IO-APIC timer check under TCG on a loaded host)
                "-append", "console=ttyS0 panic=-1 no_timer_check vw.ip=" + ip + "/24 vw.run64=" + run64,
                "-chardev", "socket,id=c0,path=" + socket + ",reconnect=1",
                "-netdev", "vhost-user,id=n0,chardev=c0,queues=" + queues,
                // vectors=0: QEMU 7.2 under TCG needs it (see TcgGuest); the queues share the INTx line
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",vectors=0" + (queues > 1 ? ",mq=on" : ""),
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-qmp", "unix:" + qmp + ",server=on,wait=off"));
        if (incoming != null) {
            cmd.addAll(List.of("-incoming", incoming));
        }
        return new MigratingQemu(ChildProcess.startLogged(cmd, log, false), serial, qmp, log);
    }

    Qmp qmp() throws Exception {
        if (!process.isAlive()) {
            throw new AssertionError("QEMU exited (" + process.exitValue() + "): " + log());
        }
        try {
            return Qmp.connect(qmpSocket, 60);
        } catch (AssertionError e) {
            // seen once in CI under load after a completed migration: say what the QEMU and its directory looked like
            String files;
            try (var list = Files.list(qmpSocket.getParent())) {
                files = list.map(f -> f.getFileName().toString()).sorted().toList().toString();
            }
            throw new AssertionError(e.getMessage() + "; QEMU " + (process.isAlive() ? "alive" : "exited " + process.exitValue())
                    + ", files " + files + ", log: " + log(), e);
        }
    }

    /** One QMP command on a connection of its own. */
    JsonNode execute(String command, String arguments) throws Exception {
        try (Qmp q = qmp()) {
            return q.execute(command, arguments);
        }
    }

    String console() {
        try {
            return Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
        } catch (IOException e) {
            return "";
        }
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    void await(String marker, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (console().contains(marker)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + marker + "' on " + serial.getFileName() + " within " + seconds + " s:\n" + console()
                + "\nQEMU: " + log());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws Exception {
        ChildProcess.stop(process, 10);
    }
}
