package io.virtwire.linux;

/** Turns libc's "-1 and errno" convention into {@link ErrnoException}. */
final class Syscall {

    private Syscall() {
    }

    static int check(int ret, String call, Object argument) throws ErrnoException {
        if (ret < 0) {
            throw new ErrnoException(call, String.valueOf(argument), Native.scratch().errno());
        }
        return ret;
    }

    static long check(long ret, String call, Object argument) throws ErrnoException {
        if (ret < 0) {
            throw new ErrnoException(call, String.valueOf(argument), Native.scratch().errno());
        }
        return ret;
    }

    /** Whether the last failed call on this thread was interrupted by a signal and should simply be repeated. */
    static boolean interrupted(long ret) {
        return ret < 0 && Native.scratch().errno() == Errno.EINTR;
    }
}
