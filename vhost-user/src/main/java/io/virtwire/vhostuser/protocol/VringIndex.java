package io.virtwire.vhostuser.protocol;

/** The protocol-wide bound on vring indices; the per-device bound is the codec's {@code maxQueues}. */
final class VringIndex {

    private VringIndex() {
    }

    static void check(int index) {
        if (index < 0 || index >= WireLimits.MAX_VRINGS) {
            throw new IllegalArgumentException("vring index " + Integer.toUnsignedString(index)
                    + " is not below " + WireLimits.MAX_VRINGS);
        }
    }
}
