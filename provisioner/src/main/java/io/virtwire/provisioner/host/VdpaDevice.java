package io.virtwire.provisioner.host;

/**
 * A vdpa bus device.
 *
 * @param parent   the PCI device it sits on ("0000:07:00.2")
 * @param driver   "vhost_vdpa" or "virtio_vdpa", null when unbound
 * @param chardev  "/dev/vhost-vdpa-0" when vhost_vdpa created one, else null
 */
public record VdpaDevice(String name, String mgmtdev, String parent, String driver, String chardev) {
}
