package io.virtwire.vhostuser.memory;

import io.virtwire.linux.FileStat;
import io.virtwire.memory.GuestRegion;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One mmap'ed region and the arena that unmaps it. Tables share regions across generations (ADD_MEM_REG keeps
 * the old ones), so the mapping is reference-counted: it goes away when the last table holding it is closed.
 */
final class MappedRegion {

    private final RegionDescription description;
    private final GuestRegion region;
    private final Arena arena;
    /** The file mapped (fstat of the descriptor it came with): a repeated ADD_MEM_REG must name the same file. */
    private final FileStat backing;
    private final AtomicInteger references = new AtomicInteger(1);

    MappedRegion(RegionDescription description, GuestRegion region, Arena arena, FileStat backing) {
        this.description = description;
        this.region = region;
        this.arena = arena;
        this.backing = backing;
    }

    /**
     * Whether {@code d} over the file {@code file} is this very region again: every field of the description (gpa,
     * size, user address, mmap offset) and the same file (st_dev and st_ino; the descriptor number differs).
     */
    boolean isIdentical(RegionDescription d, FileStat file) {
        return description.equals(d) && backing.sameFile(file);
    }

    RegionDescription description() {
        return description;
    }

    GuestRegion region() {
        return region;
    }

    MappedRegion acquire() {
        int before = references.getAndIncrement();
        if (before <= 0) {
            references.getAndDecrement();
            throw new IllegalStateException(description + " is already unmapped");
        }
        return this;
    }

    void release() {
        if (references.decrementAndGet() == 0) {
            arena.close();
        }
    }
}
