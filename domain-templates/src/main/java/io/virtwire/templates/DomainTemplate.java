package io.virtwire.templates;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The bundled libvirt domain templates, one per NIC kind. */
public enum DomainTemplate {
    VHOSTUSER_MEMFD("vhostuser-memfd", "vhost-user NICs; guest RAM shared through memfd (no hugepages needed)"),
    VHOSTUSER_HUGEPAGES("vhostuser-hugepages", "vhost-user NICs; guest RAM on 2 MiB hugepages, shared, one NUMA cell"),
    HOSTDEV_Q35("hostdev-q35", "SR-IOV VF passthrough on q35 with spare PCIe root ports for hotplug"),
    VDPA("vdpa", "vDPA NICs (/dev/vhost-vdpa-N); guest RAM locked for device DMA");

    private final String id;
    private final String description;

    DomainTemplate(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public static Optional<DomainTemplate> byId(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(DomainTemplate::id).collect(Collectors.joining(", "));
    }

    /** The template's XML as shipped. */
    public String xml() {
        try (InputStream in = DomainTemplate.class.getResourceAsStream(id + ".xml")) {
            if (in == null) {
                throw new IllegalStateException("template resource " + id + ".xml is missing from the domain-templates jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
