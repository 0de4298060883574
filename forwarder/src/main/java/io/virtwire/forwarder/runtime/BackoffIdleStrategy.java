package io.virtwire.forwarder.runtime;

/**
 * Spin, then yield, then sleep: {@code spins} empty cycles with {@link Thread#onSpinWait()} (latency stays at
 * nanoseconds under load), {@code yields} with {@link Thread#yield()} (lets a co-scheduled thread run), then
 * {@link Sleeper#sleep} (the worker's epoll on its ports' kick eventfds: an idle forwarder uses no CPU).
 */
public final class BackoffIdleStrategy implements IdleStrategy {

    private final int spins;
    private final int yields;
    private final int sleepMillis;
    private final Sleeper sleeper;
    private int spun;
    private int yielded;

    public BackoffIdleStrategy(int spins, int yields, int sleepMillis, Sleeper sleeper) {
        if (spins < 0 || yields < 0 || sleepMillis < 1) {
            throw new IllegalArgumentException("spins " + spins + ", yields " + yields + ", sleep " + sleepMillis
                    + " ms: counts must be >= 0 and the sleep >= 1 ms");
        }
        this.spins = spins;
        this.yields = yields;
        this.sleepMillis = sleepMillis;
        this.sleeper = sleeper;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else if (spun < spins) {
            spun++;
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
        yielded = 0;
    }
}
