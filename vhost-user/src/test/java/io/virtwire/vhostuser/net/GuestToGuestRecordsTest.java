package io.virtwire.vhostuser.net;

/**
 * {@link GuestToGuestTest} again with the sender's path taking plain records ({@code SplitQueue.popPlain}) where a
 * route reads heads, as it does for guests on hugepages: the same order, counts, fallbacks and hostile-guest cases.
 */
class GuestToGuestRecordsTest extends GuestToGuestTest {

    @Override
    boolean plainRecords() {
        return true;
    }
}
