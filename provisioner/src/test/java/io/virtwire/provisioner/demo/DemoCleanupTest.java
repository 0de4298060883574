package io.virtwire.provisioner.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCleanupTest {

    private final StringWriter text = new StringWriter();
    private final DemoCleanup cleanup = new DemoCleanup(new PrintWriter(text, true));
    private final List<String> undone = new ArrayList<>();

    @Test
    void undoesInReverseOrderOnceAndGoesOnPastAFailure() {
        cleanup.add("rm -rf /tmp/vw-demo-x", () -> undone.add("rundir"));
        cleanup.add("ip netns del vw-demo-host", () -> {
            throw new IllegalStateException("Cannot remove namespace file: Device or resource busy");
        });
        cleanup.add(() -> "kill 42", () -> undone.add("forwarder"));
        cleanup.add(() -> null, () -> undone.add("silent"));
        cleanup.runAll();
        cleanup.runAll();
        assertEquals(List.of("silent", "forwarder", "rundir"), undone, "reverse order, each once, past the failing step");
        assertEquals("""

                == Cleaning up
                $ kill 42
                $ ip netns del vw-demo-host
                   (failed: Cannot remove namespace file: Device or resource busy)
                $ rm -rf /tmp/vw-demo-x
                """, text.toString());
    }

    @Test
    void somethingCreatedAfterTheCleanupIsUndoneAtOnce() {
        cleanup.runAll();
        cleanup.add("virsh undefine late", () -> undone.add("late"));
        assertEquals(List.of("late"), undone, "e.g. a domain whose define finished while Ctrl-C cleaned up");
    }

    @Test
    void aCancelledDeadlineStopsTheNextWaitNamingIt() {
        Deadline deadline = new Deadline(180);
        deadline.check("nothing"); // time left: no exception
        deadline.cancel("interrupted");
        Deadline.Expired e = assertThrows(Deadline.Expired.class, () -> deadline.check("the guests to boot"));
        assertEquals("interrupted while waiting for the guests to boot", e.getMessage());
        assertTrue(deadline.expired());
    }

    @Test
    void anExpiredDeadlineSaysWhatItWaitedForAndHowToGetMoreTime() {
        Deadline.Expired e = assertThrows(Deadline.Expired.class, () -> new Deadline(0).check("the pings to finish (R/guest1.serial)"));
        assertEquals("the demo's time limit of 0 s was reached while waiting for the pings to finish (R/guest1.serial)"
                + " (a slow or loaded host? run it again with a longer --timeout)", e.getMessage());
    }
}
