package io.virtwire.linux;

import java.io.IOException;

/**
 * A system call failed. The message names the call, its argument and the errno, for example
 * {@code connect(/run/x.sock): ENOENT (No such file or directory)}.
 *
 * <p>{@link #isRetry()} and {@link #isBroken()} follow rust-vmm's vhost-user error mapping: EAGAIN, EINTR and
 * ENOBUFS are worth retrying; ECONNRESET and EPIPE mean the peer is gone.
 */
public class ErrnoException extends IOException {

    private final String call;
    private final int errno;

    public ErrnoException(String call, String argument, int errno) {
        super(call + "(" + argument + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The failed call's name, e.g. "connect". */
    public String call() {
        return call;
    }

    public String errnoName() {
        return Errno.name(errno);
    }

    public boolean isRetry() {
        return errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ENOBUFS;
    }

    public boolean isBroken() {
        return errno == Errno.ECONNRESET || errno == Errno.EPIPE;
    }
}
