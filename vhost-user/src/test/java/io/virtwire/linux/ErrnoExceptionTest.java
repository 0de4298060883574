package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrnoExceptionTest {

    @Test
    void messageNamesCallArgumentErrnoAndDescription() {
        ErrnoException e = new ErrnoException("connect", "/run/x.sock", Errno.ENOENT);
        assertEquals("connect(/run/x.sock): ENOENT (No such file or directory)", e.getMessage());
        assertEquals("ENOENT", e.errnoName());
        assertEquals("connect", e.call());
    }

    @Test
    void retryAndBrokenFollowRustVmmMapping() {
        for (int errno : new int[] {Errno.EAGAIN, Errno.EINTR, Errno.ENOBUFS}) {
            ErrnoException e = new ErrnoException("recvmsg", "fd 3", errno);
            assertTrue(e.isRetry(), Errno.name(errno));
            assertFalse(e.isBroken(), Errno.name(errno));
        }
        for (int errno : new int[] {Errno.ECONNRESET, Errno.EPIPE}) {
            ErrnoException e = new ErrnoException("sendmsg", "fd 3", errno);
            assertTrue(e.isBroken(), Errno.name(errno));
            assertFalse(e.isRetry(), Errno.name(errno));
        }
        ErrnoException other = new ErrnoException("mmap", "fd 3", Errno.ENOMEM);
        assertFalse(other.isRetry());
        assertFalse(other.isBroken());
    }

    @Test
    void unknownErrnoStillGetsANameAndDescription() {
        assertEquals("errno 133", Errno.name(133));
        assertFalse(Errno.describe(133).isEmpty());
    }
}
