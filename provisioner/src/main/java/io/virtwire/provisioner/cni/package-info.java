/**
 * virtwire-cni: the CNI 1.0.0 plugin that gives containers VFs from the same allocation record and lock that VM
 * attaches use (docs/user-guide/containers.md). Uses allocation, host and state; nothing uses it.
 */
package io.virtwire.provisioner.cni;
