package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.PacketBurst;

/**
 * A platform thread that polls one {@link VhostUserNetDevice}: bursts of up to 32 frames from the guest, handed to
 * a {@link FrameHandler}; after a few empty bursts it re-enables kicks and sleeps in epoll until the guest kicks.
 * Tests use it to drive a device alone (echo, sinks); in production the forwarder's PollWorker polls devices.
 */
public final class NetPollWorker implements AutoCloseable {

    /** What happens to the frames the guest sent. */
    public interface FrameHandler {
        void handle(VhostUserNetDevice device, PacketBurst frames);
    }

    /** Sends every frame straight back into the guest. */
    public static final FrameHandler ECHO = (device, frames) -> device.toGuest(frames);

    /** Empty bursts to spin through before sleeping: keeps latency low under load without burning an idle core. */
    private static final int SPINS_BEFORE_SLEEP = 64;
    private static final int SLEEP_MILLIS = 100;

    private final VhostUserNetDevice device;
    private final FrameHandler handler;
    private final PacketBurst burst = new PacketBurst();
    private final Thread thread;
    private volatile boolean running = true;

    public NetPollWorker(VhostUserNetDevice device, FrameHandler handler) {
        this.device = device;
        this.handler = handler;
        this.thread = Thread.ofPlatform().name("net-poll " + device.name()).daemon(true).unstarted(this::loop);
    }

    public NetPollWorker start() {
        thread.start();
        return this;
    }

    private void loop() {
        int idle = 0;
        while (running) {
            burst.clear();
            int n = device.fromGuest(burst);
            if (n > 0) {
                handler.handle(device, burst);
                idle = 0;
            } else if (++idle >= SPINS_BEFORE_SLEEP) {
                device.awaitWork(SLEEP_MILLIS);
                idle = 0;
            } else {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        device.wakeUp();
        thread.join();
    }
}
