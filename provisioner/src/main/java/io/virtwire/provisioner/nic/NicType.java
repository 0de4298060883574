package io.virtwire.provisioner.nic;

/** The three fast-NIC kinds virtwire wires; names are libvirt's interface types. */
public enum NicType {
    hostdev,
    vdpa,
    vhostuser
}
