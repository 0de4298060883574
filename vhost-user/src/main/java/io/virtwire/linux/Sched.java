package io.virtwire.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.virtwire.linux.Native.C_INT;
import static io.virtwire.linux.Native.C_LONG;
import static io.virtwire.linux.Native.C_POINTER;

/** CPU affinity of the calling thread: sched_setaffinity(2) / sched_getaffinity(2) with pid 0. */
public final class Sched {

    /** glibc's cpu_set_t: 1024 CPUs. */
    private static final int CPU_SET_BYTES = 128;
    public static final int MAX_CPUS = CPU_SET_BYTES * 8;

    private static final MethodHandle SET = Native.downcall("sched_setaffinity",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER));
    private static final MethodHandle GET = Native.downcall("sched_getaffinity",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER));

    private Sched() {
    }

    /** Pins the calling thread to {@code cpu}. */
    public static void pinCurrentThread(int cpu) throws ErrnoException {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            throw new IllegalArgumentException("cpu " + cpu + " is outside 0.." + (MAX_CPUS - 1));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            set.set(java.lang.foreign.ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            int r = (int) SET.invokeExact(Native.scratch().errno, 0, (long) CPU_SET_BYTES, set);
            Syscall.check(r, "sched_setaffinity", "cpu " + cpu);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }

    /** The CPUs the calling thread may run on. */
    public static java.util.BitSet currentAffinity() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            int r = (int) GET.invokeExact(Native.scratch().errno, 0, (long) CPU_SET_BYTES, set);
            Syscall.check(r, "sched_getaffinity", "self");
            return java.util.BitSet.valueOf(set.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.linkageBug(t);
        }
    }
}
