package io.virtwire.vhostuser.protocol;

/**
 * A vring state request: SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE.
 *
 * @param index the vring index, below {@link WireLimits#MAX_VRINGS} (the codec also checks the device's count)
 * @param num   u32: ring size (SET_VRING_NUM, 1..32768), next avail index (SET_VRING_BASE), reserved (GET_VRING_BASE: "must be 0",
 *              ignored because DPDK's virtio-user sends other values), 0 or 1 (SET_VRING_ENABLE)
 */
public record VringState(FrontendRequest request, int index, long num) implements FrontendMessage {

    public VringState {
        if (request.payload() != PayloadKind.VRING_STATE) {
            throw new IllegalArgumentException(request + " does not carry a vring state");
        }
        VringIndex.check(index);
        if (num < 0 || num > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("num " + num + " does not fit in u32");
        }
        switch (request) {
            case SET_VRING_NUM -> {
                // Power of two is required only for split rings; the dispatcher knows which kind was negotiated.
                if (num < 1 || num > WireLimits.MAX_QUEUE_SIZE) {
                    throw new IllegalArgumentException("ring size " + num + " is outside 1.." + WireLimits.MAX_QUEUE_SIZE);
                }
            }
            case GET_VRING_BASE -> {
                // the spec reserves num ("must be 0"), but DPDK's virtio-user sends its last ring state there
                // (seen on reconnect in server mode); the field carries nothing we use, so it is ignored like
                // libvhost-user and DPDK's vhost library do, rather than dropping a working front-end
            }
            case SET_VRING_ENABLE -> {
                if (num != 0 && num != 1) {
                    throw new IllegalArgumentException("enable value " + num + " is neither 0 nor 1");
                }
            }
            default -> {
                // SET_VRING_BASE: split rings use bits 0-15, packed rings all 32 bits (with wrap counters)
            }
        }
    }

    /** SET_VRING_ENABLE: whether the ring is to be enabled. */
    public boolean enabled() {
        return num == 1;
    }
}
