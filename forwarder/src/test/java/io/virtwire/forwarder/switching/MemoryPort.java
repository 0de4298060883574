package io.virtwire.forwarder.switching;

import io.virtwire.forwarder.port.Port;
import io.virtwire.linux.Fd;
import io.virtwire.virtio.net.PacketBurst;
import io.virtwire.virtio.net.Wakeup;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** A port backed by Java lists: frames queued to be received, frames transmitted, and a room limit. */
public class MemoryPort implements Port {

    final String name;
    final Deque<byte[]> toReceive = new ArrayDeque<>();
    final List<byte[]> transmitted = new ArrayList<>();
    volatile boolean up = true;
    /** Frames the port accepts per transmit call (a guest with few RX buffers). */
    int room = Integer.MAX_VALUE;

    public MemoryPort(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public synchronized int receive(PacketBurst burst) {
        int n = 0;
        while (!burst.isFull() && !toReceive.isEmpty()) {
            burst.add(toReceive.poll());
            n++;
        }
        return n;
    }

    @Override
    public synchronized int transmit(PacketBurst burst) {
        int n = Math.min(room, burst.count());
        for (int i = 0; i < n; i++) {
            transmitted.add(burst.frame(i));
        }
        return n;
    }

    synchronized List<byte[]> take() {
        List<byte[]> out = new ArrayList<>(transmitted);
        transmitted.clear();
        return out;
    }

    @Override
    public Fd pollFd() {
        return null;
    }

    @Override
    public Wakeup armWakeup() {
        return Wakeup.POLL;
    }

    @Override
    public void disarmWakeup() {
    }

    @Override
    public boolean isUp() {
        return up;
    }

    @Override
    public String brokenReason() {
        return null;
    }

    @Override
    public Map<String, Object> describe() {
        return Map.of();
    }

    @Override
    public void close() {
    }
}
