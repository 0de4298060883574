package io.virtwire.vhostuser.protocol;

/**
 * GET_INFLIGHT_FD / SET_INFLIGHT_FD ("Inflight description"). For GET the front-end asks for a buffer for
 * {@code numQueues} rings of {@code queueSize} entries and the mmap fields are unused; the back-end's reply
 * (also an InflightDesc, with request GET_INFLIGHT_FD) and SET carry a non-empty, non-wrapping mmap range.
 * The queue count is bounded because DPDK once wrote past its ring array with it (commit 6442c329b9).
 *
 * @param numQueues u16, 1..{@link WireLimits#MAX_VRINGS}
 * @param queueSize u16, 1..{@link WireLimits#MAX_QUEUE_SIZE}
 */
public record InflightDesc(FrontendRequest request, long mmapSize, long mmapOffset, int numQueues, int queueSize)
        implements FrontendMessage {

    public InflightDesc {
        if (request != FrontendRequest.GET_INFLIGHT_FD && request != FrontendRequest.SET_INFLIGHT_FD) {
            throw new IllegalArgumentException(request + " is not GET_INFLIGHT_FD or SET_INFLIGHT_FD");
        }
        if (numQueues < 1 || numQueues > WireLimits.MAX_VRINGS) {
            throw new IllegalArgumentException("num queues " + numQueues + " is outside 1.." + WireLimits.MAX_VRINGS);
        }
        if (queueSize < 1 || queueSize > WireLimits.MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("queue size " + queueSize + " is outside 1.." + WireLimits.MAX_QUEUE_SIZE);
        }
        if (request == FrontendRequest.SET_INFLIGHT_FD) {
            checkMapping(mmapSize, mmapOffset);
        }
    }

    /** The reply to GET_INFLIGHT_FD, which must describe a mappable area. */
    public static InflightDesc reply(long mmapSize, long mmapOffset, int numQueues, int queueSize) {
        checkMapping(mmapSize, mmapOffset);
        return new InflightDesc(FrontendRequest.GET_INFLIGHT_FD, mmapSize, mmapOffset, numQueues, queueSize);
    }

    private static void checkMapping(long mmapSize, long mmapOffset) {
        if (mmapSize == 0) {
            throw new IllegalArgumentException("inflight mmap size is 0");
        }
        if (Unsigned.rangeWraps(mmapOffset, mmapSize)) {
            throw new IllegalArgumentException("inflight mmap offset " + Unsigned.hex(mmapOffset) + " + size "
                    + Unsigned.hex(mmapSize) + " wraps around 2^64");
        }
    }
}
