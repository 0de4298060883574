package io.virtwire.provisioner.domain;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.templates.DomainParameters;
import io.virtwire.templates.DomainTemplate;
import io.virtwire.templates.DomainTemplateRenderer;

/** Renders a domain from a bundled template and, unless only printing, defines it through libvirt. */
public final class DomainDefinitionService {

    private final DomainTemplateRenderer renderer = new DomainTemplateRenderer();

    public static DomainTemplate template(String id) {
        return DomainTemplate.byId(id).orElseThrow(() -> VirtwireException.notFound(
                "unknown template '" + id + "': available templates are " + DomainTemplate.ids()));
    }

    public String render(DomainTemplate template, DomainParameters parameters) {
        return renderer.render(template, parameters);
    }

    public static DomainParameters parameters(String name, MemorySize memory, int vcpus, String virtType,
                                              DomainParameters.Boot boot, java.util.Optional<String> serialLog) {
        try {
            return new DomainParameters(name, memory.kib(), vcpus, virtType, boot, serialLog);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(e.getMessage());
        }
    }

    /** Defines the domain; refuses to overwrite an existing one, since define would silently replace it. */
    public String define(LibvirtGateway gateway, String xml, String name) {
        if (gateway.domainNames().contains(name)) {
            throw VirtwireException.conflict("a domain named '" + name + "' already exists on " + gateway.uri()
                    + ": pick another --name, or remove it first (virsh undefine " + name + ")");
        }
        return gateway.defineDomain(xml);
    }
}
