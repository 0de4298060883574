package io.virtwire.provisioner.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

class SharedMemoryTest {

    private static final String HEAD = "<domain type='kvm'>\n  <name>m</name>\n  <memory unit='GiB'>2</memory>\n";
    private static final String TAIL = "  <vcpu>2</vcpu>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n"
            + "  </os>\n  <devices/>\n</domain>";

    private static DomainXml domain(String memoryBacking, String cpu) {
        return DomainXml.parse(HEAD + memoryBacking + TAIL.replace("  <os>", cpu + "  <os>"));
    }

    private static String cells(String... memAccess) {
        StringBuilder b = new StringBuilder("  <cpu>\n    <numa>\n");
        for (int i = 0; i < memAccess.length; i++) {
            b.append("      <cell id='").append(i).append("' cpus='").append(i).append("' memory='1' unit='GiB'")
                    .append(memAccess[i] == null ? "" : " memAccess='" + memAccess[i] + "'").append("/>\n");
        }
        return b.append("    </numa>\n  </cpu>\n").toString();
    }

    private static List<String> topLevelOrder(String xml) {
        Element root = LibvirtXml.parseDocument(xml).getDocumentElement();
        List<String> out = new ArrayList<>();
        for (Node c = root.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e) {
                out.add(e.getTagName());
            }
        }
        return out;
    }

    @Test
    void noBackingIsNotShared() {
        assertFalse(domain("", "").hasSharedMemory());
    }

    @Test
    void memfdOrHugepagesWithSharedAccess() {
        assertTrue(domain("<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>", "")
                .hasSharedMemory());
        assertTrue(domain("<memoryBacking><hugepages/><access mode='shared'/></memoryBacking>", "").hasSharedMemory());
        assertTrue(domain("<memoryBacking><source type='file'/><access mode='shared'/></memoryBacking>", "")
                .hasSharedMemory());
    }

    @Test
    void hugepagesAloneAreNotShared() {
        assertFalse(domain("<memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>", "")
                .hasSharedMemory());
    }

    @Test
    void sharedAnonymousMemoryHasNoFdForTheBackend() {
        assertFalse(domain("<memoryBacking><source type='anonymous'/><access mode='shared'/></memoryBacking>", "")
                .hasSharedMemory());
    }

    @Test
    void numaCellsDecideEachOnTheirOwn() {
        assertTrue(domain("", cells("shared", "shared")).hasSharedMemory());
        assertFalse(domain("", cells("shared", null)).hasSharedMemory());
        assertTrue(domain("<memoryBacking><access mode='shared'/></memoryBacking>", cells("shared", null))
                .hasSharedMemory());
        assertFalse(domain("<memoryBacking><access mode='shared'/></memoryBacking>", cells("private", null))
                .hasSharedMemory());
    }

    @Test
    void fixtureWithHugepagesAndSharedCellsIsShared() {
        assertTrue(DomainXml.parse(Fixtures.domain("numa-hugepages.xml")).hasSharedMemory());
        assertFalse(DomainXml.parse(Fixtures.domain("q35-many-devices.xml")).hasSharedMemory());
    }

    @Test
    void ensureAddsMemfdAndSharedAccessAfterMemoryTuning() {
        DomainXml d = DomainXml.parse(Fixtures.domain("q35-many-devices.xml"));
        assertTrue(d.ensureSharedMemory());
        assertTrue(d.hasSharedMemory());
        MemoryBacking mb = d.memoryBacking().orElseThrow();
        assertEquals(Optional.of("memfd"), mb.sourceType());
        assertEquals(Optional.of("shared"), mb.accessMode());
        List<String> order = topLevelOrder(d.toXml());
        assertEquals(order.indexOf("blkiotune") + 1, order.indexOf("memoryBacking"), order.toString());
        assertFalse(d.ensureSharedMemory(), "second call changes nothing");
        VirtXmlValidate.assertValid(d.toXml(), "domain");
    }

    @Test
    void ensureKeepsHugepagesAndUnknownChildren() {
        DomainXml d = domain("<memoryBacking><hugepages><page size='1' unit='GiB'/></hugepages><locked/>"
                + "<discard/></memoryBacking>", "");
        assertTrue(d.ensureSharedMemory());
        MemoryBacking mb = d.memoryBacking().orElseThrow();
        assertEquals(Optional.empty(), mb.sourceType(), "hugepages are the source; no memfd added");
        assertEquals(1L, mb.hugepages().orElseThrow().pages.getFirst().size);
        assertEquals(List.of("locked", "discard"), mb.otherElements().stream().map(Element::getLocalName).toList());
        VirtXmlValidate.assertValid(d.toXml(), "domain");
    }

    @Test
    void ensureReplacesAnonymousSource() {
        DomainXml d = domain("<memoryBacking><source type='anonymous'/></memoryBacking>", "");
        d.ensureSharedMemory();
        assertEquals(Optional.of("memfd"), d.memoryBacking().orElseThrow().sourceType());
    }

    @Test
    void ensureGoesAfterMemoryWhenNothingElse() {
        DomainXml d = domain("", cells(null, null));
        d.ensureSharedMemory();
        assertTrue(d.hasSharedMemory(), "cells without memAccess inherit the shared access");
        assertEquals(List.of("name", "memory", "memoryBacking", "vcpu", "cpu", "os", "devices"),
                topLevelOrder(d.toXml()));
        VirtXmlValidate.assertValid(d.toXml(), "domain");
    }

    @Test
    void ensureRefusesToOverridePrivateCell() {
        DomainXml d = domain("", cells("shared", "private"));
        var e = assertThrows(IllegalStateException.class, d::ensureSharedMemory);
        assertEquals("domain 'm': NUMA cell 1 has memAccess='private', but vhost-user needs shared guest memory;"
                + " set memAccess='shared' on that cell or remove the attribute", e.getMessage());
    }
}
