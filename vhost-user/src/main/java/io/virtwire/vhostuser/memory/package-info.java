/**
 * How vhost-user fills guest memory in: {@link io.virtwire.vhostuser.memory.GuestMemoryMapper} maps the regions of
 * SET_MEM_TABLE / ADD_MEM_REG / REM_MEM_REG into reference-counted generations
 * ({@link io.virtwire.vhostuser.memory.MemoryTable}, swapped in a {@link io.virtwire.vhostuser.memory.GuestMemoryHolder}),
 * {@link io.virtwire.vhostuser.memory.IotlbCache} builds the per-permission views of IOMMU translation, and
 * {@link io.virtwire.vhostuser.memory.DirtyLog} marks pages written during migration.
 *
 * <p>The result is an {@link io.virtwire.memory.GuestMemory}, the neutral type the virtqueues translate with; this
 * package sits above {@code io.virtwire.memory} and {@code io.virtwire.linux} and below the backend session.
 */
package io.virtwire.vhostuser.memory;
