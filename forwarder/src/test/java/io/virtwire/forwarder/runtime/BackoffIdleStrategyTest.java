package io.virtwire.forwarder.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BackoffIdleStrategyTest {

    private long now;
    private final List<Integer> sleeps = new ArrayList<>();

    private BackoffIdleStrategy strategy(long spinNanos, int yields) {
        return new BackoffIdleStrategy(spinNanos, yields, 100, sleeps::add, () -> now);
    }

    /** Empty cycles before the strategy sleeps, the clock moving {@code step} ns per cycle. */
    private int cyclesUntilSleep(BackoffIdleStrategy s, long step) {
        int before = sleeps.size();
        for (int cycle = 1; cycle < 10_000_000; cycle++) {
            s.idle(0);
            now += step;
            if (sleeps.size() > before) {
                return cycle;
            }
        }
        throw new AssertionError("never slept");
    }

    @Test
    void spinsForItsTimeWhateverACycleCostsThenYieldsThenSleeps() {
        long spin = 10_000_000;
        // a cheap cycle (100 ns, one port) and a dear one (2 us, many ports) spin for the same time
        int cheap = cyclesUntilSleep(strategy(spin, 20), 100);
        int dear = cyclesUntilSleep(strategy(spin, 20), 2_000);
        assertEquals(spin / 100 + 20 + 1, cheap, 64, "cycles at 100 ns");
        assertEquals(spin / 2_000 + 20 + 1, dear, 64, "cycles at 2 us");
        assertEquals(List.of(100, 100), sleeps);
    }

    @Test
    void workStartsTheSpinAgain() {
        BackoffIdleStrategy s = strategy(1_000_000, 5);
        for (int i = 0; i < 9_000; i++) { // 0.9 ms of nothing
            s.idle(0);
            now += 100;
        }
        s.idle(1); // a frame: the next pause is timed from here
        int cycles = cyclesUntilSleep(s, 100);
        assertEquals(1_000_000 / 100 + 5 + 1, cycles, 64);
        // after a sleep it spins again in full
        assertEquals(cycles, cyclesUntilSleep(s, 100), 64);
    }

    @Test
    void noSpinGoesStraightToTheYields() {
        assertEquals(BackoffIdleStrategy.CLOCK_EVERY + 3 + 1, cyclesUntilSleep(strategy(0, 3), 100));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> strategy(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> strategy(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new BackoffIdleStrategy(0, 0, 0, ms -> { }));
    }
}
