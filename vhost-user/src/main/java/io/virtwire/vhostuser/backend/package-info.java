/**
 * The vhost-user back-end. {@link io.virtwire.vhostuser.backend.BackendServer} serves a device on a socket path in
 * server or client mode, one {@link io.virtwire.vhostuser.backend.BackendSession} per connection: the loop that
 * reads, decodes and answers. Behind it, {@code RequestDispatcher} binds every request to its handler in one
 * exhaustive switch and owns the protocol state, kept by small holders: {@code FeatureNegotiation},
 * {@code RingSet} (the vrings; pause, start, stop), {@code SessionMemory} (memory table, IOTLB) and
 * {@code MigrationState} (dirty log, inflight buffer). {@code QueueAssembler} builds every ring handed to the
 * device the same way, on plain or IOTLB-translated memory ({@code RingMemory}).
 *
 * <p>A {@link io.virtwire.vhostuser.backend.VhostUserDevice} gets rings started and stopped (stopping is the pause
 * handshake: it returns only once the device's workers let go). Inflight tracking
 * ({@link io.virtwire.vhostuser.backend.InflightSplitQueue}, {@link io.virtwire.vhostuser.backend.InflightPackedQueue})
 * and dirty logging ({@code LoggingQueue}) wrap the rings handed to the device, so devices need not know about
 * either.
 */
package io.virtwire.vhostuser.backend;
