/**
 * The state directory: the allocation record's store (file lock, atomic writes, schema check on read) and the
 * hook and watch log. Knows nothing of libvirt or of how devices are picked.
 */
package io.virtwire.provisioner.state;
