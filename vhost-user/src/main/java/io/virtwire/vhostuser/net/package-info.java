/**
 * A virtio-net device on the vhost-user back-end: {@link io.virtwire.vhostuser.net.VhostUserNetDevice} is also a
 * {@link io.virtwire.vhostuser.net.PacketPort} moving {@link io.virtwire.virtio.net.PacketBurst}es of plain
 * Ethernet frames, so a forwarder can switch between devices; {@link io.virtwire.vhostuser.net.NetPollWorker}
 * drives one device from its own thread (echo or any handler).
 */
package io.virtwire.vhostuser.net;
