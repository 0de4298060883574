package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_POINTER;

/**
 * The fields of fstat(2) we need.
 *
 * @param size      st_size in bytes
 * @param blockSize st_blksize: the page size backing the file (2 MiB or 1 GiB on hugetlbfs), which is why
 *                  guest-memory mappings are rounded up to it
 * @param mode      st_mode (type and permission bits)
 * @param device    st_dev: with {@code inode}, which file this is (two descriptors of one file compare equal)
 * @param inode     st_ino
 */
public record FileStat(long size, long blockSize, int mode, long device, long inode) {

    private static final int S_IFMT = 0xF000;
    private static final int S_IFREG = 0x8000;
    private static final int S_IFSOCK = 0xC000;

    // struct stat is 144 bytes on x86_64 and 128 on aarch64; both put st_mode's word, st_size at 48 and
    // st_blksize at 56 (a long on x86_64, an int on aarch64: reading the low int is right for both); both start
    // with st_dev (u64 at 0) and st_ino (u64 at 8)
    private static final long STAT_SIZE = 144;
    private static final long ST_SIZE = 48;
    private static final long ST_BLKSIZE = 56;
    private static final long ST_DEV = 0;
    private static final long ST_INO = 8;
    private static final long ST_MODE = "aarch64".equals(System.getProperty("os.arch")) ? 16 : 24;

    private static final MethodHandle FSTAT = Native.downcall("fstat",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER));

    public static FileStat of(Fd fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            int r = (int) FSTAT.invokeExact(Native.scratch().errno, fd.value(), st);
            Syscall.check(r, "fstat", fd);
            return new FileStat(st.get(Native.C_LONG, ST_SIZE), st.get(C_INT, ST_BLKSIZE), st.get(C_INT, ST_MODE),
                    st.get(Native.C_LONG, ST_DEV), st.get(Native.C_LONG, ST_INO));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** Whether this and {@code other} are the same file (same st_dev and st_ino), whatever descriptor reached it. */
    public boolean sameFile(FileStat other) {
        return device == other.device && inode == other.inode;
    }

    public boolean isSocket() {
        return (mode & S_IFMT) == S_IFSOCK;
    }
}
