/**
 * The device side of virtio split and packed virtqueues over guest-physical addresses, knowing nothing of
 * vhost-user: {@link io.virtwire.virtio.queue.SplitQueue} and {@link io.virtwire.virtio.queue.PackedQueue}
 * (both {@link io.virtwire.virtio.queue.Virtqueue}) hand out validated
 * {@link io.virtwire.virtio.queue.DescriptorChain}s and publish used entries per burst. A chain is walked by
 * {@code SplitChainWalker} or {@code PackedChainWalker}, one {@code Descriptor} value at a time, and holds the
 * validated result.
 *
 * <p>Decisions others depend on:
 * <ul>
 *   <li>Addresses are translated through {@link io.virtwire.memory.GuestMemory}, which sits below this package;
 *       nothing here imports {@code io.virtwire.vhostuser} (ArchitectureTest fails the build if it does).</li>
 *   <li>Guest misbehaviour never throws. It latches the queue broken with a reason naming the rule and the index;
 *       {@code pop} then answers {@link io.virtwire.virtio.queue.ChainStatus#MALFORMED} for good. Programming
 *       errors by the device (used length larger than the chain) throw IllegalArgumentException.</li>
 *   <li>A chain is walked and validated entirely when it is popped; the device never sees a half-valid chain.</li>
 *   <li>Ring parts must each lie inside one memory region (as in DPDK and libvhost-user); buffers and indirect
 *       tables may cross adjacent regions.</li>
 *   <li>Zero-length descriptors are legal and unchecked; indirect tables hold 1..queue-size entries; a chain holds at
 *       most queue-size buffers in total and at most 2^32-1 bytes.</li>
 *   <li>Ordering uses plain little-endian accesses plus {@link java.lang.invoke.VarHandle} fences, so a
 *       misaligned host mapping cannot make an access throw.</li>
 *   <li>Nothing is thread-safe: one queue, its chains and its memory swaps belong to one thread (the poll loop);
 *       the control plane must stop the queue before calling {@code setMemory}.</li>
 * </ul>
 */
package io.virtwire.virtio.queue;
