package io.virtwire.vhostuser.protocol;

/** NET_SET_MTU: the MTU the guest is told, {@link WireLimits#MIN_MTU}..{@link WireLimits#MAX_MTU} (DPDK checks the same). */
public record NetMtu(int mtu) implements FrontendMessage {

    public NetMtu {
        if (mtu < WireLimits.MIN_MTU || mtu > WireLimits.MAX_MTU) {
            throw new IllegalArgumentException("MTU " + Integer.toUnsignedString(mtu) + " is outside "
                    + WireLimits.MIN_MTU + ".." + WireLimits.MAX_MTU);
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.NET_SET_MTU;
    }
}
