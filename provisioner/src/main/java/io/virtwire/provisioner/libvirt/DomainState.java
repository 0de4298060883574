package io.virtwire.provisioner.libvirt;

/** What the provisioner needs to know about a domain before changing it. */
public record DomainState(String name, String uuid, boolean active, boolean persistent) {
}
