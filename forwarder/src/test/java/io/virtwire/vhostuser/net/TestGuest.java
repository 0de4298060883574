package io.virtwire.vhostuser.net;

import io.virtwire.linux.UnixSocket;
import io.virtwire.vhostuser.backend.BackendSession;
import io.virtwire.vhostuser.frontend.Frontend;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import io.virtwire.vhostuser.transport.Connection;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A "guest" for the forwarder's tests: the library's QEMU-like {@link Frontend} connected to a forwarder port's
 * socket, with the virtio-net driver of the vhost-user test-jar ({@link GuestNet}, split rings, mergeable RX).
 */
public final class TestGuest implements AutoCloseable {

    /** GuestNet's receive area holds 32 buffers of 2 KiB; each one reaped is posted again. */
    private static final int RX_BUFFERS = 32;

    public final Frontend frontend;
    public final UnixSocket socket;
    private final GuestRam ram;
    private final GuestNet net;

    private TestGuest(Frontend frontend, UnixSocket socket, GuestRam ram, GuestNet net) {
        this.frontend = frontend;
        this.socket = socket;
        this.ram = ram;
        this.net = net;
    }

    /** Connects (retrying for up to 10 s while the socket appears), negotiates, starts pair 0, posts 128 RX buffers. */
    public static TestGuest connect(Path socketPath, String name) throws Exception {
        return connect(socketPath, name, 0);
    }

    /** As {@link #connect(Path, String)}, acking {@code extraFeatures} too (e.g. offloads the port offers). */
    public static TestGuest connect(Path socketPath, String name, long extraFeatures) throws Exception {
        UnixSocket socket = connectSocket(socketPath);
        Frontend f = new Frontend(new Connection(socket));
        GuestRam ram = GuestRam.standard(name);
        f.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        f.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()
                | VirtioFeature.VIRTIO_NET_F_MRG_RXBUF.mask() | extraFeatures);
        f.setMemTable(ram);
        GuestNet net = new GuestNet(f, ram, 0, 256, false, true, 0x1000);
        net.postReceiveBuffers(RX_BUFFERS, 2048);
        return new TestGuest(f, socket, ram, net);
    }

    /**
     * A guest with two queue pairs (VIRTIO_NET_F_MQ): {@link #send} uses pair 1's transmit ring, frames are
     * received on both pairs' receive rings.
     */
    public static TestGuest connectTwoPairs(Path socketPath, String name) throws Exception {
        UnixSocket socket = connectSocket(socketPath);
        Frontend f = new Frontend(new Connection(socket));
        GuestRam ram = GuestRam.standard(name);
        f.handshake(BackendSession.SUPPORTED_PROTOCOL_FEATURES);
        f.setFeatures(VirtioFeature.VIRTIO_F_VERSION_1.mask() | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask()
                | VirtioFeature.VIRTIO_NET_F_MRG_RXBUF.mask() | VirtioFeature.VIRTIO_NET_F_MQ.mask());
        f.setMemTable(ram);
        GuestNet pair0 = new GuestNet(f, ram, 0, 256, false, true, 0x1000);
        GuestNet pair1 = new GuestNet(f, ram, 1, 256, false, true, 0x20000);
        pair0.postReceiveBuffers(RX_BUFFERS, 2048);
        pair1.postReceiveBuffers(RX_BUFFERS, 2048);
        TestGuest g = new TestGuest(f, socket, ram, pair1);
        g.other = pair0;
        return g;
    }

    /** Pair 0 of a two-pair guest (null otherwise): receives too. */
    private GuestNet other;

    public static UnixSocket connectSocket(Path socketPath) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            UnixSocket s = UnixSocket.create();
            try {
                s.connect(socketPath);
                return s;
            } catch (Exception e) {
                s.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    public void send(byte[] frame) throws Exception {
        net.send(frame);
    }

    /** A two-pair guest: sends on pair 0's transmit ring ({@link #send} uses pair 1's). */
    public void sendOnPair0(byte[] frame) throws Exception {
        other.send(frame);
    }

    /** A two-pair guest: transmit completions of both pairs. */
    public int reapTransmittedBothPairs() {
        return net.reapTransmitted() + other.reapTransmitted();
    }

    /**
     * Sends {@code frame} after a zero header in one descriptor, as Linux and DPDK drivers do (header and data
     * apart is {@link #send(byte[])}).
     */
    public void sendOneBuffer(byte[] frame) throws Exception {
        net.sendOneBuffer(new byte[12], frame);
    }

    /** Sends {@code frame} with a virtio-net header (12 bytes). */
    public void send(byte[] header, byte[] frame) throws Exception {
        net.send(header, frame);
    }

    /** The virtio-net headers of the frames received so far (pair 0 of a one-pair guest), in order. */
    public List<byte[]> receivedHeaders() {
        return net.headers;
    }

    public void postReceiveBuffers(int count) throws Exception {
        net.postReceiveBuffers(count, 2048);
    }

    public int reapTransmitted() {
        return net.reapTransmitted();
    }

    /** Frames delivered so far, waiting until {@code count} arrived or {@code timeout} passed. */
    public List<byte[]> receive(int count, Duration timeout) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (frames.size() < count && System.nanoTime() < deadline) {
            frames.addAll(receiveNow());
            if (frames.size() < count) {
                Thread.sleep(2);
            }
        }
        return frames;
    }

    /** Whatever arrived by now, without waiting. */
    public List<byte[]> receiveNow() throws Exception {
        List<byte[]> got = new ArrayList<>(net.receive());
        if (!got.isEmpty()) {
            net.postReceiveBuffers(got.size(), 2048);
        }
        if (other != null) {
            List<byte[]> more = other.receive();
            if (!more.isEmpty()) {
                other.postReceiveBuffers(more.size(), 2048);
                got.addAll(more);
            }
        }
        return got;
    }

    @Override
    public void close() throws Exception {
        frontend.close();
        net.close();
        if (other != null) {
            other.close();
        }
        ram.close();
    }

    /**
     * An Ethernet frame of {@code length} bytes (at least 18) from {@code src} to {@code dst} (MACs as 48-bit longs):
     * the local experimental ethertype, {@code seq} after it, then bytes derived from {@code seq} and their place,
     * so that a frame that arrives can be told apart and checked whole.
     */
    public static byte[] frame(long dst, long src, int seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (dst >>> shift));
        }
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (src >>> shift));
        }
        b.putShort((short) 0x88B5); // local experimental ethertype
        b.putInt(seq);
        while (b.hasRemaining()) {
            b.put((byte) (seq + b.position()));
        }
        return b.array();
    }
}
