package io.virtwire.provisioner.host.doctor;

/** What the host is being prepared for (doctor --for): selects the checks that matter for that NIC kind. */
public enum Purpose {
    hostdev, vdpa, vhostuser, dpdk
}
