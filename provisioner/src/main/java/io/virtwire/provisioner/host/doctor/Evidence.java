package io.virtwire.provisioner.host.doctor;

/** A path (or command) that was read and the value found there. */
public record Evidence(String path, String value) {
}
