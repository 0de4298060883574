package io.virtwire.vhostuser.frontend.driver;

import static io.virtwire.virtio.queue.RingLayout.F_INDIRECT;
import static io.virtwire.virtio.queue.RingLayout.F_NEXT;

/**
 * Named hostile-guest knobs for a split ring, for tests of anything that sits on a queue (the backend, the
 * forwarder's ports): each constant makes one broken chain available and says which rule the device must report.
 * {@link #ZERO_LENGTH} is the exception: legal, and must NOT break the queue.
 *
 * <p>{@code scratch} is 4 KiB of guest memory the knob may use for data and indirect tables; {@code outside} is an
 * address in no region.
 */
public enum SplitMisbehaviour {

    LOOPING_CHAIN("descriptor loop") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            int a = d.takeDescriptor();
            int b = d.takeDescriptor();
            d.rawDescriptor(a, scratch, 8, F_NEXT, b);
            d.rawDescriptor(b, scratch, 8, F_NEXT, a);
            d.rawPushHead(a);
        }
    },
    HEAD_OUT_OF_RANGE(">= queue size") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            d.rawPushHead(d.size());
        }
    },
    NEXT_OUT_OF_RANGE(">= queue size") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            int a = d.takeDescriptor();
            d.rawDescriptor(a, scratch, 8, F_NEXT, d.size());
            d.rawPushHead(a);
        }
    },
    NESTED_INDIRECT("nested indirect") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            DescriptorWriter.writeSplit(d.memory(), scratch + 0x100, scratch + 0x200, 16, F_INDIRECT, 0);
            indirect(d, scratch + 0x100, 16);
        }
    },
    INDIRECT_LENGTH_NOT_MULTIPLE_OF_16("multiple of 16") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            DescriptorWriter.writeSplit(d.memory(), scratch + 0x100, scratch, 8, 0, 0);
            indirect(d, scratch + 0x100, 20);
        }
    },
    AVAIL_INDEX_JUMP("more than queue size") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            d.rawSetAvailIdx(d.availIdx() + d.size() + 1);
        }

        @Override
        boolean needsPublish() {
            return false;
        }
    },
    ADDRESS_OUTSIDE_MEMORY("outside guest memory") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            d.addChain(DriverBuffer.readable(outside, 64));
        }
    },
    LENGTH_SUM_OVERFLOWS_U32("2^32-1") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            // the sum is checked before the second buffer's mapping, so no 4 GiB of guest memory is needed
            d.addChain(DriverBuffer.readable(scratch, 8), DriverBuffer.readable(scratch, 0xFFFF_FFFFL));
        }
    },
    WRITABLE_BEFORE_READABLE("device-readable descriptor after a device-writable one") {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            d.addChain(DriverBuffer.writable(scratch, 8), DriverBuffer.readable(scratch + 8, 8));
        }
    },
    ZERO_LENGTH(null) {
        @Override
        void write(DriverSplitQueue d, long scratch, long outside) {
            d.addChain(DriverBuffer.readable(scratch, 0), DriverBuffer.writable(outside, 0));
        }
    };

    private final String reasonFragment;

    SplitMisbehaviour(String reasonFragment) {
        this.reasonFragment = reasonFragment;
    }

    /** What the device's broken reason must contain; null when the chain is legal. */
    public String reasonFragment() {
        return reasonFragment;
    }

    /** Makes the misbehaving chain visible to the device. */
    public void apply(DriverSplitQueue driver, long scratch, long outside) {
        write(driver, scratch, outside);
        if (needsPublish()) {
            driver.publish();
        }
    }

    abstract void write(DriverSplitQueue d, long scratch, long outside);

    boolean needsPublish() {
        return true;
    }

    private static void indirect(DriverSplitQueue d, long table, long len) {
        int head = d.takeDescriptor();
        d.rawDescriptor(head, table, len, F_INDIRECT, 0);
        d.rawPushHead(head);
    }
}
