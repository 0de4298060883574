package io.virtwire.vhostuser.protocol;

/**
 * ADD_MEM_REG (one fd to map) or REM_MEM_REG (identified by gpa, user address and size; mmap offset ignored).
 */
public record SingleMemoryRegion(FrontendRequest request, MemoryRegionDesc region) implements FrontendMessage {

    public SingleMemoryRegion {
        if (request != FrontendRequest.ADD_MEM_REG && request != FrontendRequest.REM_MEM_REG) {
            throw new IllegalArgumentException(request + " is not ADD_MEM_REG or REM_MEM_REG");
        }
        if (request == FrontendRequest.ADD_MEM_REG) {
            region.checkMappable();
        }
    }
}
