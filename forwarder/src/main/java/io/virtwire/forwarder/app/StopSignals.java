package io.virtwire.forwarder.app;

import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;

/**
 * SIGTERM (systemd's stop) and SIGINT (Ctrl-C) as a normal stop. Left to the JVM, both run the shutdown hooks and
 * exit 128+signal (143, 130), which systemd and shells report as a failure; here they only release a latch, and
 * {@link Main} closes the daemon and exits 0.
 */
final class StopSignals {

    private StopSignals() {
    }

    static CountDownLatch install() {
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> stop.countDown());
        }
        return stop;
    }
}
