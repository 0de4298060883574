package io.virtwire.provisioner.host;

import java.util.List;

/** A vdpa management device ("pci/0000:07:00.2") that can create vdpa devices of the listed classes. */
public record VdpaMgmtDevice(String name, List<String> supportedClasses) {
}
