/**
 * A virtio-net device on the vhost-user back-end: {@link io.virtwire.vhostuser.net.VhostUserNetDevice} moves
 * {@link io.virtwire.virtio.net.PacketBurst}es of Ethernet frames between the guest's rings and whoever polls it
 * (the forwarder wraps it in its own port interface and poll loop), plus the per-queue-pair counters and the RARP
 * frame announced after migration.
 */
package io.virtwire.vhostuser.net;
