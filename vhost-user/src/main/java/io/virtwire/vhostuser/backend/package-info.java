/**
 * The vhost-user back-end: {@link io.virtwire.vhostuser.backend.BackendSession} dispatches one connection's
 * messages and owns its protocol state; a {@link io.virtwire.vhostuser.backend.VhostUserDevice} gets rings
 * started and stopped (stopping is the pause handshake: it returns only once the device's workers let go);
 * {@link io.virtwire.vhostuser.backend.BackendServer} serves a device on a socket path in server or client mode.
 * Inflight tracking ({@link io.virtwire.vhostuser.backend.InflightSplitQueue}) and dirty logging
 * ({@code LoggingQueue}) wrap the rings handed to the device, so devices need not know about either.
 */
package io.virtwire.vhostuser.backend;
