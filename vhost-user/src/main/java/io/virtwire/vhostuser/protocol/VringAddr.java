package io.virtwire.vhostuser.protocol;

/**
 * SET_VRING_ADDR. The three ring addresses are front-end (QEMU) virtual addresses unless
 * VIRTIO_F_ACCESS_PLATFORM was negotiated (then IOVAs); {@code logGuestAddr} is a guest-physical address.
 *
 * <p>Alignment is the virtio split ring's (virtio 1.x 2.7: descriptor table 16, available ring 2, used ring 4),
 * which the packed ring's areas also satisfy (16, 4, 4); rust-vmm's {@code VhostUserVringAddr::is_valid}
 * checks the same masks.
 *
 * @param flags u32; only {@link #F_LOG} (VHOST_VRING_F_LOG) is defined
 */
public record VringAddr(int index, int flags, long descUserAddr, long usedUserAddr, long availUserAddr, long logGuestAddr)
        implements FrontendMessage {

    /** VHOST_VRING_F_LOG: log writes to the used ring at {@code logGuestAddr}. */
    public static final int F_LOG = 0x1;

    public VringAddr {
        VringIndex.check(index);
        if ((flags & ~F_LOG) != 0) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags) + " has undefined bits 0x"
                    + Integer.toHexString(flags & ~F_LOG) + " (only VHOST_VRING_F_LOG 0x1 is defined)");
        }
        if ((descUserAddr & 0xF) != 0) {
            throw new IllegalArgumentException("descriptor table address " + Unsigned.hex(descUserAddr) + " is not 16-byte aligned");
        }
        if ((usedUserAddr & 0x3) != 0) {
            throw new IllegalArgumentException("used ring address " + Unsigned.hex(usedUserAddr) + " is not 4-byte aligned");
        }
        if ((availUserAddr & 0x1) != 0) {
            throw new IllegalArgumentException("available ring address " + Unsigned.hex(availUserAddr) + " is not 2-byte aligned");
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.SET_VRING_ADDR;
    }

    public boolean logEnabled() {
        return (flags & F_LOG) != 0;
    }

    @Override
    public String toString() {
        return "VringAddr[index=" + index + ", flags=0x" + Integer.toHexString(flags) + ", desc=" + Unsigned.hex(descUserAddr)
                + ", used=" + Unsigned.hex(usedUserAddr) + ", avail=" + Unsigned.hex(availUserAddr)
                + ", log=" + Unsigned.hex(logGuestAddr) + "]";
    }
}
