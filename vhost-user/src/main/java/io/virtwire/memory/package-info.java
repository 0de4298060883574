/**
 * Guest RAM as the device sees it, below both the virtqueues and the vhost-user protocol:
 * {@link io.virtwire.memory.GuestMemory} (an immutable table of {@link io.virtwire.memory.GuestRegion}s with clamped
 * guest-physical translation and frontend-address lookup) and {@link io.virtwire.memory.GuestMemoryException}.
 *
 * <p>It imports nothing of virtwire: neither {@code io.virtwire.virtio} nor {@code io.virtwire.vhostuser}, not even
 * {@code io.virtwire.linux} (the mappings arrive as ready {@link java.lang.foreign.MemorySegment}s). How the regions
 * get mapped (SET_MEM_TABLE, ADD_MEM_REG, IOTLB views, the dirty log) is vhost-user's business and lives in
 * {@code io.virtwire.vhostuser.memory}. A test in {@code io.virtwire.architecture} keeps these directions.
 */
package io.virtwire.memory;
