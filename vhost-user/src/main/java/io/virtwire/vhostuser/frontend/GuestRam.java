package io.virtwire.vhostuser.frontend;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.memory.GuestMemory;
import io.virtwire.vhostuser.memory.GuestMemoryMapper;
import io.virtwire.vhostuser.memory.MemoryTable;
import io.virtwire.vhostuser.memory.RegionDescription;
import io.virtwire.vhostuser.protocol.MemoryRegionDesc;

import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM as QEMU shares it with a vhost-user back-end: one memfd per region (memory-backend-memfd,share=on),
 * at guest-physical addresses that need not be contiguous, and "user addresses" (QEMU's virtual addresses of
 * the regions) that differ from the GPAs by {@link #USER_OFFSET}, so a back-end that confuses the two address
 * spaces fails at once instead of by luck.
 */
public final class GuestRam implements AutoCloseable {

    /** userAddr = gpa + USER_OFFSET, as an x86_64 QEMU's mappings typically sit high in its address space. */
    public static final long USER_OFFSET = 0x7f00_0000_0000L;

    /** A region to create: guest-physical start and size (page multiples). */
    public record Layout(long gpa, long size) {
    }

    private final List<Layout> layout;
    private final List<Fd> fds;
    private final MemoryTable mapping;

    private GuestRam(List<Layout> layout, List<Fd> fds, MemoryTable mapping) {
        this.layout = List.copyOf(layout);
        this.fds = fds;
        this.mapping = mapping;
    }

    /** Creates and maps one memfd per region; {@code name} appears in /proc/self/maps ("/memfd:name"). */
    public static GuestRam create(String name, List<Layout> regions) throws ErrnoException {
        List<Fd> fds = new ArrayList<>();
        try {
            List<RegionDescription> descriptions = new ArrayList<>();
            for (Layout r : regions) {
                fds.add(Memfd.create(name, r.size()));
                descriptions.add(new RegionDescription(r.gpa(), r.size(), r.gpa() + USER_OFFSET, 0));
            }
            return new GuestRam(regions, fds, GuestMemoryMapper.map(descriptions, fds));
        } catch (ErrnoException | RuntimeException e) {
            fds.forEach(Fd::close);
            throw e;
        }
    }

    /**
     * The default test layout: 1 MiB at GPA 0 (rings live there), 64 KiB right after it in a separate memfd (so
     * buffers can cross regions), and 1 MiB at 4 GiB after a hole.
     */
    public static GuestRam standard(String name) throws ErrnoException {
        return create(name, List.of(new Layout(0, 0x10_0000), new Layout(0x10_0000, 0x1_0000),
                new Layout(0x1_0000_0000L, 0x10_0000)));
    }

    /** Our own view of guest memory, to play the guest driver. */
    public GuestMemory memory() {
        return mapping.memory();
    }

    public List<Layout> layout() {
        return layout;
    }

    public int regionCount() {
        return layout.size();
    }

    /** The memfd of region {@code i}, borrowed (still owned by this object). */
    public Fd fd(int i) {
        return fds.get(i);
    }

    /** Region {@code i} as SET_MEM_TABLE / ADD_MEM_REG describe it. */
    public MemoryRegionDesc region(int i) {
        Layout r = layout.get(i);
        return new MemoryRegionDesc(r.gpa(), r.size(), userAddr(r.gpa()), 0);
    }

    public List<MemoryRegionDesc> regions() {
        List<MemoryRegionDesc> out = new ArrayList<>();
        for (int i = 0; i < layout.size(); i++) {
            out.add(region(i));
        }
        return out;
    }

    public static long userAddr(long gpa) {
        return gpa + USER_OFFSET;
    }

    @Override
    public void close() {
        mapping.close();
        fds.forEach(Fd::close);
    }
}
