package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.nic.DeviceChange;

/**
 * One device kind on the {@link AttachTemplate}: it checks and picks (a free VF, vhost-vdpa device or socket name)
 * and says how to configure the host, attach, and undo, but changes nothing itself. The template runs the plan in
 * the same order and with the same rollback for every kind.
 */
interface DeviceStep<R extends DeviceChange<R>> {

    /** Every check for this kind, on what {@code run} read; throws (changing nothing) when the request cannot be met. */
    AttachPlan<R> plan(AttachRun run);
}
