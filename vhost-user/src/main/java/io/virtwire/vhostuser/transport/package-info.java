/**
 * vhost-user framing over a Unix stream socket: {@link io.virtwire.vhostuser.transport.Connection} turns bytes
 * and SCM_RIGHTS descriptors into {@link io.virtwire.vhostuser.transport.RawMessage}s and back, without
 * interpreting them (that is {@code io.virtwire.vhostuser.protocol}'s job). Server mode is
 * {@link io.virtwire.vhostuser.transport.Listener}, client mode {@link io.virtwire.vhostuser.transport.Connector}.
 */
package io.virtwire.vhostuser.transport;
