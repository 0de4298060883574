package io.virtwire.forwarder.engine;

import java.time.Duration;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A port's counters move once per burst, on the worker's thread: a guest can see its frames (or the frame after a
 * dropped one) a moment before the worker has counted them. Tests that check counters right after a receive wait
 * for them.
 */
final class Eventually {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private Eventually() {
    }

    /** Waits up to 10 s for {@code value} to reach {@code expected}, then asserts it is exactly that. */
    static void assertCount(long expected, LongSupplier value, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (value.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(expected, value.getAsLong(), what);
    }
}
