package io.virtwire.vhostuser.memory;

import io.virtwire.memory.GuestMemory;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current memory table, swapped atomically on SET_MEM_TABLE, ADD_MEM_REG and REM_MEM_REG. Workers read
 * {@link #memory()} (one volatile read, no lock). A replaced table is not unmapped by the swap: the dispatcher
 * pauses the queues that may still hold segments of it, then {@link #retire}s it.
 */
public final class GuestMemoryHolder implements AutoCloseable {

    private final AtomicReference<MemoryTable> current = new AtomicReference<>(MemoryTable.empty());

    public GuestMemory memory() {
        return current.get().memory();
    }

    public MemoryTable table() {
        return current.get();
    }

    /** Installs {@code next} and returns the table it replaced, still mapped. */
    public MemoryTable swap(MemoryTable next) {
        if (next.isClosed()) {
            throw new IllegalArgumentException("cannot install a memory table that is already closed");
        }
        return current.getAndSet(next);
    }

    /** Unmaps a replaced table's regions (those no newer table shares). Call only once no queue can touch it. */
    public void retire(MemoryTable old) {
        if (old == current.get()) {
            throw new IllegalStateException("cannot retire the memory table that is still current");
        }
        old.close();
    }

    /** Drops and unmaps the current table (end of session). */
    @Override
    public void close() {
        current.getAndSet(MemoryTable.empty()).close();
    }
}
