package io.virtwire.vhostuser.protocol;

import java.util.List;

/**
 * SET_MEM_TABLE: 1 to {@link WireLimits#MAX_MEM_TABLE_REGIONS} regions, one fd each, in the same order.
 * Overlapping guest ranges are rejected because a GPA must translate to exactly one place.
 */
public record MemoryTable(List<MemoryRegionDesc> regions) implements FrontendMessage {

    public MemoryTable {
        regions = List.copyOf(regions);
        if (regions.isEmpty() || regions.size() > WireLimits.MAX_MEM_TABLE_REGIONS) {
            throw new IllegalArgumentException(regions.size() + " regions, expected 1.." + WireLimits.MAX_MEM_TABLE_REGIONS);
        }
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegionDesc region = regions.get(i);
            region.checkMappable();
            for (int j = 0; j < i; j++) {
                if (region.overlapsGpa(regions.get(j))) {
                    throw new IllegalArgumentException("region " + i + " (gpa " + Unsigned.hex(region.gpa()) + ") overlaps region "
                            + j + " (gpa " + Unsigned.hex(regions.get(j).gpa()) + ")");
                }
            }
        }
    }

    @Override
    public FrontendRequest request() {
        return FrontendRequest.SET_MEM_TABLE;
    }
}
