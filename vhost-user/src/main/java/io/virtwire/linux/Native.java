package io.virtwire.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place that owns the {@link Linker} and libc lookup. Every downcall captures errno, because a
 * -1 return without its errno is an error nobody can act on.
 *
 * <p>Layouts assume LP64 Linux (x86_64, aarch64), the only targets virtwire supports.
 */
final class Native {

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Per-thread errno slot and small argument buffers, so data-path calls (eventfd, epoll) allocate nothing. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Native() {
    }

    /** A libc function whose first argument is the errno capture segment (pass {@link Scratch#errno}). */
    @SuppressWarnings("restricted") // the one package allowed to link native code
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A libc function that never sets errno. */
    @SuppressWarnings("restricted")
    static MethodHandle plainDowncall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    static Scratch scratch() {
        return SCRATCH.get();
    }

    static int errno(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }

    /** Unexpected Throwable from MethodHandle.invokeExact: the signature is ours, so this is a bug. */
    static AssertionError linkageBug(Throwable t) {
        return new AssertionError("native call failed unexpectedly", t);
    }

    /** A NUL-terminated C string returned by libc, read up to {@code max} bytes. */
    @SuppressWarnings("restricted") // bounded by max: libc's strings are shorter
    static String cString(MemorySegment pointer, int max) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "";
        }
        return pointer.reinterpret(max).getString(0);
    }

    /** Per-thread buffers; each is used only between a call and the read of its result, never kept. */
    static final class Scratch {
        final MemorySegment errno;
        /** 16 bytes: an eventfd counter, an epoll_event, a pair of fds. */
        final MemorySegment word;

        private Scratch() {
            Arena arena = Arena.ofAuto();
            errno = arena.allocate(CAPTURE_LAYOUT);
            word = arena.allocate(16, 8);
        }

        int errno() {
            return Native.errno(errno);
        }
    }
}
