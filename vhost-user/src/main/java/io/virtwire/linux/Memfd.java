package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/** Anonymous shared memory files (memfd_create), the way QEMU backs guest RAM for vhost-user. */
public final class Memfd {

    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;

    private static final MethodHandle MEMFD_CREATE = Native.downcall("memfd_create",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle FTRUNCATE = Native.downcall("ftruncate",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG));

    private Memfd() {
    }

    /** A new memfd of {@code size} bytes (zero-filled), close-on-exec and sealable. */
    public static Fd create(String name, long size) throws ErrnoException {
        if (size < 0) {
            throw new IllegalArgumentException("memfd size " + size + " is negative");
        }
        Fd fd;
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) MEMFD_CREATE.invokeExact(Native.scratch().errno, arena.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
            fd = Fd.adopt(Syscall.check(r, "memfd_create", name));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
        try {
            truncate(fd, size);
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** ftruncate: sets the file's size. */
    public static void truncate(Fd fd, long size) throws ErrnoException {
        try {
            int r = (int) FTRUNCATE.invokeExact(Native.scratch().errno, fd.value(), size);
            Syscall.check(r, "ftruncate", fd + ", " + size);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** The file's current size (fstat st_size). */
    public static long size(Fd fd) throws ErrnoException {
        return FileStat.of(fd).size();
    }
}
