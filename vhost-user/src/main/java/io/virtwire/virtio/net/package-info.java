/**
 * virtio-net pieces that do not depend on how the device is reached: the header
 * ({@link io.virtwire.virtio.net.VirtioNetHeader}), feature bits, offload checks and TCP segmentation, and the frame
 * buffers every port shares: {@link io.virtwire.virtio.net.PacketBurst} (preallocated frames, each with its header)
 * and {@link io.virtwire.virtio.net.CopyBatch} (copies between guest buffers and a burst, run back to back).
 *
 * <p>It sits above {@code io.virtwire.memory} and {@code io.virtwire.virtio.queue} (ring layout constants) only:
 * TAP and AF_PACKET ports use these buffers without depending on vhost-user, and the vhost-user net device uses
 * them without the forwarder.
 */
package io.virtwire.virtio.net;
