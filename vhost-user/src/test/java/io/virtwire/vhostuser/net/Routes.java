package io.virtwire.vhostuser.net;

import io.virtwire.virtio.net.DirectPeer;
import io.virtwire.virtio.net.FrameRoute;
import io.virtwire.virtio.net.PacketBurst;

import java.util.function.Function;

/** {@link FrameRoute}s for tests: a cross-connect's (everything to one peer) and a switch-like one that reads heads. */
final class Routes {

    private Routes() {
    }

    /** Everything to {@code peer}, frames unread (a cross-connect). */
    static FrameRoute to(DirectPeer peer) {
        return new FrameRoute() {
            @Override
            public boolean readsHeads() {
                return false;
            }

            @Override
            public DirectPeer route(PacketBurst heads) {
                return peer;
            }
        };
    }

    /** Reads the heads: where each batch goes is {@code choose}'s answer (null: the staged way). */
    static FrameRoute byHeads(Function<PacketBurst, DirectPeer> choose) {
        return new FrameRoute() {
            @Override
            public boolean readsHeads() {
                return true;
            }

            @Override
            public DirectPeer route(PacketBurst heads) {
                return choose.apply(heads);
            }
        };
    }
}
