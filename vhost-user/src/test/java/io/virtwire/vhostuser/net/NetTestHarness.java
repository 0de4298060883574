package io.virtwire.vhostuser.net;

import io.virtwire.vhostuser.backend.BackendSession;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.transport.Connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A net device with its session on a platform thread, a QEMU-like front-end, and the guest's driver for pair 0. */
final class NetTestHarness implements AutoCloseable {

    final VhostUserNetDevice device;
    final BackendSession session;
    final Thread sessionThread;
    final Frontend frontend;
    final GuestRam ram;
    final GuestNet guest;

    NetTestHarness(String name, boolean packed, boolean mergeable, boolean eventIdx) throws Exception {
        this(name, packed, mergeable, eventIdx, 0);
    }

    /** @param offloadFeatures offload feature bits the guest acks; non-zero builds a device that offers offloads */
    NetTestHarness(String name, boolean packed, boolean mergeable, boolean eventIdx, long offloadFeatures) throws Exception {
        device = new VhostUserNetDevice(name, 1, 256, offloadFeatures != 0);
        Connection[] pair = Connection.pair();
        session = new BackendSession(pair[1], device, name);
        sessionThread = Thread.ofPlatform().name("session " + name).start(session);
        frontend = new Frontend(pair[0]);
        ram = GuestRam.standard(name);
        frontend.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        long features = VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()
                | offloadFeatures;
        if (packed) {
            features |= VirtioFeature.VIRTIO_F_RING_PACKED.mask();
        }
        if (mergeable) {
            features |= VirtioFeature.VIRTIO_NET_F_MRG_RXBUF.mask();
        }
        if (eventIdx) {
            features |= VirtioFeature.VIRTIO_F_RING_EVENT_IDX.mask();
        }
        frontend.setFeatures(features);
        frontend.setMemTable(ram);
        guest = new GuestNet(frontend, ram, 0, 256, packed, mergeable, 0x1000);
    }

    /** Collects received frames until {@code count} arrived or the timeout passes. */
    List<byte[]> receive(int count, Duration timeout) throws InterruptedException {
        List<byte[]> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (frames.size() < count && System.nanoTime() < deadline) {
            frames.addAll(guest.receive());
            Thread.sleep(1);
        }
        return frames;
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    @Override
    public void close() throws Exception {
        frontend.close();
        sessionThread.join(Duration.ofSeconds(10));
        guest.close();
        ram.close();
        device.close();
    }
}
