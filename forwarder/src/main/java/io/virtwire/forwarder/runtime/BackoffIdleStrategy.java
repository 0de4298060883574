package io.virtwire.forwarder.runtime;

import java.util.function.LongSupplier;

/**
 * Spin, then yield, then sleep: empty cycles with {@link Thread#onSpinWait()} for {@code spinNanos} after the last
 * work (latency stays at nanoseconds under load, and a guest that pauses for a few milliseconds finds the worker
 * still polling: it need not kick), {@code yields} more with {@link Thread#yield()} (lets a co-scheduled thread
 * run), then {@link Sleeper#sleep} (the worker's epoll on its ports' kick eventfds: an idle forwarder uses no CPU).
 * The spin is bounded by time, not by a count of cycles, so it lasts as long whatever a cycle costs (one port or
 * sixty-four); the clock is read once per {@link #CLOCK_EVERY} empty cycles.
 */
public final class BackoffIdleStrategy implements IdleStrategy {

    static final int CLOCK_EVERY = 64;

    private final long spinNanos;
    private final int yields;
    private final int sleepMillis;
    private final Sleeper sleeper;
    private final LongSupplier clock;
    private int spun;
    private long idleSince;
    private boolean spinning = true;
    private int yielded;

    public BackoffIdleStrategy(long spinNanos, int yields, int sleepMillis, Sleeper sleeper) {
        this(spinNanos, yields, sleepMillis, sleeper, System::nanoTime);
    }

    BackoffIdleStrategy(long spinNanos, int yields, int sleepMillis, Sleeper sleeper, LongSupplier clock) {
        if (spinNanos < 0 || yields < 0 || sleepMillis < 1) {
            throw new IllegalArgumentException("spin " + spinNanos + " ns, yields " + yields + ", sleep " + sleepMillis
                    + " ms: the spin and the count must be >= 0 and the sleep >= 1 ms");
        }
        this.spinNanos = spinNanos;
        this.yields = yields;
        this.sleepMillis = sleepMillis;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else if (spinning) {
            if (spun == 0) {
                idleSince = clock.getAsLong();
            }
            spun++;
            if (spun % CLOCK_EVERY == 0 && clock.getAsLong() - idleSince >= spinNanos) {
                spinning = false;
            }
            Thread.onSpinWait();
        } else if (yielded < yields) {
            yielded++;
            Thread.yield();
        } else {
            sleeper.sleep(sleepMillis);
            reset();
        }
    }

    @Override
    public void reset() {
        spun = 0;
        spinning = true;
        yielded = 0;
    }
}
