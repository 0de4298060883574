package io.virtwire.provisioner.cli;

public enum OutputFormat {
    text,
    json
}
