package io.virtwire.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_POINTER;

/** The fcntl(2) operations we need: descriptor status flags. */
public final class Fcntl {

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;

    // fcntl is variadic: the third argument is passed as a variadic int
    private static final MethodHandle FCNTL_GET = Native.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle FCNTL_SET = Native.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));

    private Fcntl() {
    }

    public static boolean isNonBlocking(Fd fd) throws ErrnoException {
        return (flags(fd) & O_NONBLOCK) != 0;
    }

    public static void setNonBlocking(Fd fd) throws ErrnoException {
        int flags = flags(fd);
        if ((flags & O_NONBLOCK) == 0) {
            try {
                int r = (int) FCNTL_SET.invokeExact(Native.scratch().errno, fd.value(), F_SETFL, flags | O_NONBLOCK);
                Syscall.check(r, "fcntl", fd + ", F_SETFL, O_NONBLOCK");
            } catch (ErrnoException e) {
                throw e;
            } catch (Throwable t) {
                throw Native.linkageBug(t);
            }
        }
    }

    private static int flags(Fd fd) throws ErrnoException {
        try {
            int r = (int) FCNTL_GET.invokeExact(Native.scratch().errno, fd.value(), F_GETFL);
            return Syscall.check(r, "fcntl", fd + ", F_GETFL");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }
}
