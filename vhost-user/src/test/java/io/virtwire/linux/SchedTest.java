package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SchedTest {

    @Test
    void pinsTheCallingThreadToOneCpuItMayUse() throws Exception {
        BitSet before = Sched.currentAffinity();
        int cpu = before.nextSetBit(0);
        Thread t = Thread.ofPlatform().unstarted(() -> {
            try {
                Sched.pinCurrentThread(cpu);
                BitSet after = Sched.currentAffinity();
                BitSet expected = new BitSet();
                expected.set(cpu);
                assertEquals(expected, after);
            } catch (ErrnoException e) {
                throw new AssertionError(e);
            }
        });
        Throwable[] failure = new Throwable[1];
        t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        assertEquals(before, Sched.currentAffinity(), "only the pinned thread changed");
    }

    @Test
    void aCpuOutsideTheSetIsRefusedWithTheNumber() {
        var e = assertThrows(IllegalArgumentException.class, () -> Sched.pinCurrentThread(5000));
        assertEquals(true, e.getMessage().contains("5000"));
    }
}
