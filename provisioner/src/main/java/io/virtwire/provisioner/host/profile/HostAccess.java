package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.host.CommandRunner;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.HostPaths;

/** Everything a host command needs for one host: where to read, how to run tools, how to write. */
public record HostAccess(HostPaths paths, CommandRunner commands, HostActions actions) {

    public HostInventory inventory() {
        return new HostInventoryReader(paths, commands).read();
    }

    /** Opens the host at a root directory ("/" for the real one). Made by the CLI's Wiring; tests replace it (Wiring.Seams). */
    public interface Factory {
        HostAccess open(java.nio.file.Path root);
    }
}
