package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventFdEpollTest {

    @Test
    void signalAccumulatesAndDrainResets() throws Exception {
        try (EventFd e = EventFd.create()) {
            assertEquals(0, e.drain());
            e.signal();
            e.signal(4);
            assertEquals(5, e.drain());
            assertEquals(0, e.drain());
            assertTrue(Fcntl.isNonBlocking(e.fd()));
        }
    }

    @Test
    void epollReportsWhichEventFdFiredWithItsData() throws Exception {
        long before = ProcSelf.nativeFds();
        try (Epoll epoll = Epoll.create(4); EventFd kick0 = EventFd.create(); EventFd kick1 = EventFd.create()) {
            epoll.add(kick0.fd(), Epoll.EPOLLIN, 0x1_0000_0000L);
            epoll.add(kick1.fd(), Epoll.EPOLLIN, 7);
            assertEquals(0, epoll.await(0));

            kick1.signal();
            assertEquals(1, epoll.await(1000));
            assertEquals(7, epoll.data(0));
            assertTrue((epoll.events(0) & Epoll.EPOLLIN) != 0);
            kick1.drain();
            assertEquals(0, epoll.await(0));

            kick0.signal();
            kick1.signal();
            int n = epoll.await(1000);
            assertEquals(2, n);
            long seen = epoll.data(0) + epoll.data(1);
            assertEquals(0x1_0000_0000L + 7, seen);
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void blockedWaitWakesWhenAnotherThreadSignals() throws Exception {
        try (Epoll epoll = Epoll.create(1); EventFd wake = EventFd.create()) {
            epoll.add(wake.fd(), Epoll.EPOLLIN, 99);
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return epoll.await(10_000) == 1 ? epoll.data(0) : -1L;
                } catch (ErrnoException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(50);
            wake.signal();
            assertEquals(99L, waiter.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void modifyAndDeleteChangeWhatIsReported() throws Exception {
        try (Epoll epoll = Epoll.create(2); EventFd e = EventFd.create()) {
            epoll.add(e.fd(), Epoll.EPOLLIN, 1);
            e.signal();
            epoll.modify(e.fd(), Epoll.EPOLLIN, 2);
            assertEquals(1, epoll.await(0));
            assertEquals(2, epoll.data(0));
            epoll.delete(e.fd());
            assertEquals(0, epoll.await(0));
            ErrnoException dup = assertThrows(ErrnoException.class, () -> epoll.delete(e.fd()));
            assertEquals(Errno.ENOENT, dup.errno());
            assertTrue(dup.getMessage().startsWith("epoll_ctl(EPOLL_CTL_DEL"), dup.getMessage());
        }
    }

    @Test
    void adoptedBlockingDescriptorBecomesNonBlocking() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket _ = pair[1]) {
            Fd fd = pair[0].fd().take();
            assertFalse(Fcntl.isNonBlocking(fd));
            try (EventFd adopted = EventFd.adopt(fd)) {
                assertTrue(Fcntl.isNonBlocking(adopted.fd()));
                assertEquals(0, adopted.drain()); // nothing to read: EAGAIN, not a blocked thread
            }
        }
    }
}
