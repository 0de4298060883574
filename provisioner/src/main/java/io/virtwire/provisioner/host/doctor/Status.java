package io.virtwire.provisioner.host.doctor;

/** Lower case because it is the JSON contract ("status": "fail"). */
public enum Status {
    ok, warn, fail
}
