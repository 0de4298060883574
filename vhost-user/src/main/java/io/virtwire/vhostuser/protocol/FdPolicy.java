package io.virtwire.vhostuser.protocol;

/**
 * How many file descriptors (SCM_RIGHTS) a front-end request may carry. Checked by {@link MessageCodec}
 * before anything else looks at the fds; every fd not kept by the handler must be closed (CVE-2019-14818:
 * a frontend that attaches extra fds can otherwise exhaust the backend's fd table).
 */
public enum FdPolicy {
    /** No fd may be attached. */
    NONE,
    /** Exactly one fd. */
    ONE,
    /**
     * SET_VRING_KICK/CALL/ERR: exactly one fd, unless the payload's NOFD bit (0x100) is set, in which case none.
     */
    ONE_UNLESS_NOFD,
    /** SET_MEM_TABLE: exactly one fd per memory region, in region order. */
    PER_REGION,
    /**
     * REM_MEM_REG: none expected, but the spec lets a backend accept one for compatibility with
     * incorrect frontends; such an fd must be closed unused.
     */
    ZERO_OR_ONE;

    /** The most fds any request may carry: SET_MEM_TABLE with {@link WireLimits#MAX_MEM_TABLE_REGIONS} regions. */
    public static final int MAX_FDS = WireLimits.MAX_MEM_TABLE_REGIONS;
}
