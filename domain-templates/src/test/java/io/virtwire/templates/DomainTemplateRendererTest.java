package io.virtwire.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DomainTemplateRendererTest {

    private final DomainTemplateRenderer renderer = new DomainTemplateRenderer();
    private final VirtXmlValidator validator = new VirtXmlValidator();

    @ParameterizedTest
    @EnumSource(DomainTemplate.class)
    void everyTemplateRendersToASchemaValidDomainForEveryBootKind(DomainTemplate template) {
        for (DomainParameters.Boot boot : new DomainParameters.Boot[] {
                new DomainParameters.Boot.Kernel("/var/lib/virtwire/vmlinuz", Optional.of("/var/lib/virtwire/initrd"), Optional.of("console=ttyS0 quiet")),
                new DomainParameters.Boot.Disk("/var/lib/libvirt/images/vm1.qcow2"),
                new DomainParameters.Boot.None()}) {
            String xml = renderer.render(template, new DomainParameters("vm-" + template.id(), 512 * 1024, 1, "qemu", boot, Optional.empty()));
            VirtXmlValidator.Result r = validator.validate(xml, "domain");
            assertTrue(r.valid(), template.id() + " with " + boot + ":\n" + r.output() + "\n" + xml);
            assertTrue(xml.contains("<name>vm-" + template.id() + "</name>"), xml);
            assertTrue(xml.contains("<domain type=\"qemu\"") || xml.contains("<domain type='qemu'"), xml);
        }
    }

    @Test
    void valuesAreSetAsTextNotSplicedIntoMarkup() {
        String xml = renderer.render(DomainTemplate.VHOSTUSER_MEMFD, new DomainParameters("a<b&c", 1024 * 1024, 2, "kvm",
                new DomainParameters.Boot.Kernel("/k", Optional.empty(), Optional.of("ip=1 </cmdline><evil/>")), Optional.empty()));
        assertTrue(xml.contains("<name>a&lt;b&amp;c</name>"), xml);
        assertFalse(xml.contains("<evil/>"), xml);
        assertTrue(validator.validate(xml, "domain").valid());
    }

    @Test
    void hugepageTemplateNumaCellFollowsMemoryAndCpus() {
        String xml = renderer.render(DomainTemplate.VHOSTUSER_HUGEPAGES, new DomainParameters("hp", 2 * 1024 * 1024, 4, "kvm",
                new DomainParameters.Boot.None(), Optional.empty()));
        assertTrue(xml.contains("cpus=\"0-3\""), xml);
        assertTrue(xml.contains("memory=\"2097152\""), xml);
        assertTrue(xml.contains("memAccess=\"shared\""), xml);
    }

    @Test
    void serialLogSwitchesConsoleToAFile() {
        String xml = renderer.render(DomainTemplate.VHOSTUSER_MEMFD, new DomainParameters("s", 262144, 1, "qemu",
                new DomainParameters.Boot.None(), Optional.of("/tmp/s.log")));
        assertTrue(xml.contains("<serial type=\"file\"><source path=\"/tmp/s.log\"/>"), xml);
        assertTrue(validator.validate(xml, "domain").valid());
    }

    @Test
    void badParametersAreRefusedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DomainParameters("a/b", 262144, 1, "qemu", new DomainParameters.Boot.None(), Optional.empty()));
        assertTrue(e.getMessage().contains("'a/b'"));
        assertThrows(IllegalArgumentException.class, () -> new DomainParameters("a", 262144, 0, "qemu", new DomainParameters.Boot.None(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new DomainParameters("a", 262144, 1, "xen", new DomainParameters.Boot.None(), Optional.empty()));
    }

    @Test
    void templatesAreFoundById() {
        assertEquals(DomainTemplate.VDPA, DomainTemplate.byId("vdpa").orElseThrow());
        assertTrue(DomainTemplate.byId("nope").isEmpty());
        assertEquals("vhostuser-memfd, vhostuser-hugepages, hostdev-q35, vdpa", DomainTemplate.ids());
    }
}
