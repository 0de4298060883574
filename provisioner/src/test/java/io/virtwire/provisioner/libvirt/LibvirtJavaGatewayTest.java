package io.virtwire.provisioner.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import org.junit.jupiter.api.Test;

/** Against libvirt's in-process test driver: real libvirt.so through libvirt-java and JNA, no daemon. */
class LibvirtJavaGatewayTest {

    private static final String DOMAIN = """
            <domain type='test'>
              <name>vw-gateway-test</name>
              <memory unit='MiB'>128</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64'>hvm</type></os>
              <devices/>
            </domain>""";

    @Test
    void definesReadsAndUndefinesADomain() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open("test:///default")) {
            assertEquals("vw-gateway-test", gw.defineDomain(DOMAIN));
            DomainState state = gw.domain("vw-gateway-test");
            assertFalse(state.active());
            assertTrue(state.persistent());
            assertTrue(gw.domainNames().contains("vw-gateway-test"));
            assertTrue(gw.domainNames().contains("test"), "the test driver's own running domain is listed");
            assertTrue(gw.domainXml("vw-gateway-test", true).contains("<name>vw-gateway-test</name>"));
            gw.undefine("vw-gateway-test");
            assertFalse(gw.domainNames().contains("vw-gateway-test"));
        }
    }

    @Test
    void unknownDomainIsNotFoundAndNamesTheDomain() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open("test:///default")) {
            VirtwireException e = assertThrows(VirtwireException.class, () -> gw.domain("no-such-vm"));
            assertEquals(VirtwireException.Kind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("'no-such-vm'"), e.getMessage());
        }
    }

    @Test
    void testDriverHasNoDeviceHotplugAndSaysSo() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open("test:///default")) {
            gw.defineDomain(DOMAIN);
            try {
                assertThrows(LibvirtUnsupportedException.class, () -> gw.attachDevice("vw-gateway-test",
                        "<interface type='network'><source network='default'/></interface>", DeviceScope.CONFIG));
            } finally {
                gw.undefine("vw-gateway-test");
            }
        }
    }

    @Test
    void unreachableUriIsALibvirtErrorNamingTheUri() {
        VirtwireException e = assertThrows(VirtwireException.class,
                () -> LibvirtJavaGateway.open("qemu+unix:///system?socket=/nonexistent/virtwire.sock"));
        assertEquals(VirtwireException.Kind.LIBVIRT, e.kind());
        assertTrue(e.getMessage().contains("/nonexistent/virtwire.sock"), e.getMessage());
    }

    @Test
    void scopeFlagsMatchVirDomainAffect() {
        assertEquals(0, DeviceScope.CURRENT.flags());
        assertEquals(1, DeviceScope.LIVE.flags());
        assertEquals(2, DeviceScope.CONFIG.flags());
        assertEquals(3, DeviceScope.of(true, true, false).flags());
        assertEquals(DeviceScope.LIVE, DeviceScope.CURRENT.resolve(true));
        assertEquals(DeviceScope.CONFIG, DeviceScope.CURRENT.resolve(false));
        assertThrows(VirtwireException.class, () -> DeviceScope.of(true, false, true));
    }
}
