package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * Extended attributes of a file, never through a symlink (lgetxattr, lsetxattr). Java's own xattr view only reaches
 * the {@code user.} namespace; POSIX ACLs live in {@code system.posix_acl_access}, which a file rewritten by rename
 * must get copied, as {@code sed -i} and {@code cp -p} copy it.
 */
public final class Xattr {

    /** The access ACL of a file (setfacl/getfacl), in the kernel's posix_acl_xattr format. */
    public static final String POSIX_ACL_ACCESS = "system.posix_acl_access";

    /**
     * The SELinux context of a file (ls -Z), e.g. {@code system_u:object_r:virt_etc_t:s0} with its trailing NUL. Kept
     * as the raw bytes: the kernel stores whatever the labeller wrote, and a copy must give back exactly that.
     */
    public static final String SELINUX_CONTEXT = "security.selinux";

    private static final int ENODATA = 61;
    private static final int ERANGE = 34;

    private static final MethodHandle LGETXATTR = Native.downcall("lgetxattr",
            FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_POINTER, C_LONG));
    private static final MethodHandle LSETXATTR = Native.downcall("lsetxattr",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_INT));

    private Xattr() {
    }

    /**
     * The attribute's value, or empty when the file has none or its file system has no extended attributes
     * (ENODATA, EOPNOTSUPP).
     */
    public static Optional<byte[]> get(Path file, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(file.toString());
            MemorySegment key = arena.allocateFrom(name);
            for (int attempt = 0; attempt < 4; attempt++) {
                long size = (long) LGETXATTR.invokeExact(Native.scratch().errno, path, key, MemorySegment.NULL, 0L);
                if (size < 0) {
                    return absent(Native.scratch().errno(), file, name);
                }
                MemorySegment buf = arena.allocate(Math.max(size, 1));
                long got = (long) LGETXATTR.invokeExact(Native.scratch().errno, path, key, buf, size);
                if (got >= 0) {
                    return Optional.of(buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE));
                }
                int errno = Native.scratch().errno();
                if (errno != ERANGE) { // ERANGE: it grew between the two calls, ask again
                    return absent(errno, file, name);
                }
            }
            throw new ErrnoException("lgetxattr", file + ", " + name, ERANGE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    private static Optional<byte[]> absent(int errno, Path file, String name) throws ErrnoException {
        if (errno == ENODATA || errno == Errno.EOPNOTSUPP) {
            return Optional.empty();
        }
        throw new ErrnoException("lgetxattr", file + ", " + name, errno);
    }

    /** Sets (creates or replaces) the attribute. */
    public static void set(Path file, String name, byte[] value) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(value.length, 1));
            MemorySegment.copy(value, 0, buf, ValueLayout.JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR.invokeExact(Native.scratch().errno, arena.allocateFrom(file.toString()), arena.allocateFrom(name), buf,
                    (long) value.length, 0);
            Syscall.check(r, "lsetxattr", file + ", " + name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }
}
