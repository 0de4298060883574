package io.virtwire.vhostuser.frontend.driver;

import io.virtwire.virtio.queue.ChainStatus;
import io.virtwire.virtio.queue.DescriptorChain;
import io.virtwire.virtio.queue.SplitQueue;
import io.virtwire.virtio.queue.testing.TestGuestMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.virtwire.virtio.queue.testing.Expect.assertContains;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.AVAIL;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DATA;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.DESC;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.HOLE;
import static io.virtwire.virtio.queue.testing.TestGuestMemory.USED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Each named knob does what it says: the device reports exactly that rule (or, for legal ones, nothing). */
class SplitMisbehaviourTest {

    @ParameterizedTest
    @EnumSource(SplitMisbehaviour.class)
    void knobBreaksTheQueueForItsRule(SplitMisbehaviour knob) {
        try (TestGuestMemory mem = new TestGuestMemory()) {
            DriverSplitQueue driver = new DriverSplitQueue(mem.memory(), 32, DESC, AVAIL, USED);
            SplitQueue queue = new SplitQueue(32, DESC, AVAIL, USED, false, mem.memory());
            DescriptorChain chain = new DescriptorChain();
            // a good chain first, so the knob also works on a ring already in use
            driver.addChain(DriverBuffer.readable(DATA, 4));
            driver.publish();
            assertEquals(ChainStatus.OK, queue.pop(chain));

            knob.apply(driver, DATA + 0x1000, HOLE);
            ChainStatus status = queue.pop(chain);
            if (knob.reasonFragment() == null) {
                assertEquals(ChainStatus.OK, status);
                assertFalse(queue.isBroken());
            } else {
                assertEquals(ChainStatus.MALFORMED, status);
                assertContains(queue.brokenReason(), knob.reasonFragment());
            }
        }
    }
}
