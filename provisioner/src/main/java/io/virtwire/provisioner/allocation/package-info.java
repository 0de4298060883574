/**
 * VF, vhost-vdpa and vhost-user socket allocation: pick a free device, configure the host, record it, attach it
 * through {@code nic}, roll back on failure; and reconciliation of the record with what libvirt shows. Stands on
 * {@code state} (the record) and {@code nic} (the attach), never the other way round.
 */
package io.virtwire.provisioner.allocation;
