package io.virtwire.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FdTest {

    @Test
    void closeIsIdempotentAndReleasesTheDescriptor() throws Exception {
        long before = ProcSelf.nativeFds();
        Fd fd = Memfd.create("fdtest", 4096);
        assertEquals(before + 1, ProcSelf.nativeFds());
        fd.close();
        fd.close();
        assertFalse(fd.isOpen());
        assertEquals(before, ProcSelf.nativeFds());
        assertThrows(IllegalStateException.class, fd::value);
    }

    @Test
    void takeMovesOwnership() throws Exception {
        long before = ProcSelf.nativeFds();
        Fd first = Memfd.create("fdtest", 4096);
        int raw = first.value();
        try (Fd second = first.take()) {
            assertFalse(first.isOpen());
            assertEquals(raw, second.value());
            first.close(); // must not close the descriptor second now owns
            assertEquals(4096, Memfd.size(second));
            assertThrows(IllegalStateException.class, first::take);
        }
        assertEquals(before, ProcSelf.nativeFds());
    }

    @Test
    void releaseHandsOverTheRawNumber() throws Exception {
        Fd fd = Memfd.create("fdtest", 0);
        int raw = fd.release();
        assertFalse(fd.isOpen());
        try (Fd again = Fd.adopt(raw)) {
            assertTrue(again.isOpen());
            assertEquals(0, Memfd.size(again));
        }
    }

    @Test
    void negativeDescriptorIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fd.adopt(-1));
        assertTrue(e.getMessage().contains("-1"));
    }
}
