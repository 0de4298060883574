package io.virtwire.vhostuser.protocol;

/**
 * A decoded, validated front-end request. One record per payload kind; each compact constructor checks the
 * rules that need nothing but the record's own fields, and {@link MessageCodec} checks the rest (size, fds,
 * flags, negotiated features, queue count). The dispatcher switches over this sealed type exhaustively.
 *
 * <p>File descriptors are not part of the message: the transport keeps them, and {@link FdPolicy} says how
 * many there are.
 */
public sealed interface FrontendMessage
        permits Empty, U64, VringState, VringAddr, VringFile, MemoryTable, SingleMemoryRegion, LogBase, IotlbMsg,
                ConfigSpace, InflightDesc, DeviceStatus, SendRarp, NetMtu {

    FrontendRequest request();
}
