package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/** mmap/munmap of shared file mappings, bounded by FFM segments whose lifetime is an {@link Arena}. */
public final class Mman {

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int SC_PAGESIZE = 30;

    private static final MethodHandle MMAP = Native.downcall("mmap",
            FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG));
    private static final MethodHandle MUNMAP = Native.downcall("munmap",
            FunctionDescriptor.of(C_INT, C_POINTER, C_LONG));
    private static final MethodHandle SYSCONF = Native.plainDowncall("sysconf",
            FunctionDescriptor.of(C_LONG, C_INT));

    private static final long PAGE_SIZE = querySysconf(SC_PAGESIZE);

    private Mman() {
    }

    public static long pageSize() {
        return PAGE_SIZE;
    }

    /**
     * Maps {@code length} bytes of {@code fd} from {@code offset}, read-write, MAP_SHARED|MAP_NORESERVE (guest
     * RAM may be larger than what is resident; reserving swap for it would fail for big guests). The segment is
     * exactly {@code length} bytes and is unmapped when {@code arena} closes; the descriptor may be closed at once.
     *
     * @throws IllegalArgumentException if length is not positive or offset is negative or not page aligned
     */
    @SuppressWarnings("restricted") // the kernel just gave us exactly length bytes at this address
    public static MemorySegment mapShared(Fd fd, long offset, long length, Arena arena) throws ErrnoException {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length " + length + " must be > 0");
        }
        if (offset < 0 || offset % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("mmap offset " + offset + " must be a non-negative multiple of the page size " + PAGE_SIZE);
        }
        MemorySegment raw;
        try {
            raw = (MemorySegment) MMAP.invokeExact(Native.scratch().errno, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd.value(), offset);
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
        if (raw.address() == -1L) {
            throw new ErrnoException("mmap", fd + ", offset " + offset + ", length " + length, Native.scratch().errno());
        }
        long address = raw.address();
        // the cleanup captures plain numbers: it must not touch the segment the closing arena invalidates
        return raw.reinterpret(length, arena, ignored -> unmapQuietly(address, length));
    }

    /** munmap of a range this process mapped itself. */
    public static void unmap(long address, long length) throws ErrnoException {
        try {
            int r = (int) MUNMAP.invokeExact(Native.scratch().errno, MemorySegment.ofAddress(address), length);
            Syscall.check(r, "munmap", "0x" + Long.toHexString(address) + ", " + length);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    private static void unmapQuietly(long address, long length) {
        try {
            unmap(address, length);
        } catch (ErrnoException e) {
            // only EINVAL is possible for a range we mapped, which would be our bug; an arena cleanup cannot throw
            System.getLogger(Mman.class.getName()).log(System.Logger.Level.ERROR, e.getMessage());
        }
    }

    private static long querySysconf(int name) {
        try {
            return (long) SYSCONF.invokeExact(name);
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }
}
