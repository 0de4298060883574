/**
 * The state directory: the allocation record (its values, {@link io.virtwire.provisioner.state.Allocation} and
 * {@link io.virtwire.provisioner.state.VfSettings}), its store (file lock, atomic writes, schema check on read) and
 * the hook and watch log. Knows nothing of libvirt or of how devices are picked, so every package that reads or
 * reports the record ({@code nic}'s JSON answer, {@code allocation}, {@code hook}, {@code aer}) can stand on it.
 */
package io.virtwire.provisioner.state;
