package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.model.PciAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import org.junit.jupiter.api.Test;

class HostProfileParserTest {

    private final HostProfileParser parser = new HostProfileParser();

    @Test
    void parsesAFullProfile() {
        HostProfile p = parser.parse("host.yaml", """
                pfs:
                  - pf: enp1s0f0
                    numVfs: 4
                    eswitchMode: legacy
                    vfs:
                      - index: 0
                        mac: 52:54:00:12:34:56
                        vlan: 100
                        qos: 2
                        trust: true
                        spoofchk: false
                        driver: vfio-pci
                vdpa:
                  - name: vdpa0
                    mgmtdev: pci/0000:07:00.2
                    mac: 00:11:22:33:44:00
                    maxVqPairs: 2
                hugepages:
                  - size: 1G
                    node: 0
                    count: 16
                """);
        assertEquals(4, p.pfs().getFirst().numVfs());
        assertEquals(new HostProfile.VfProfile(0, "52:54:00:12:34:56", 100, 2, true, false, "vfio-pci"), p.pfs().getFirst().vfs().getFirst());
        assertEquals(new HostProfile.VdpaProfile("vdpa0", "pci/0000:07:00.2", "00:11:22:33:44:00", 2), p.vdpa().getFirst());
        assertEquals(new HostProfile.HugepageProfile("1G", 0, 16L), p.hugepages().getFirst());
    }

    @Test
    void unknownKeyIsReportedWithItsLineAndTheKnownKeys() {
        VirtwireException e = assertThrows(VirtwireException.class, () -> parser.parse("host.yaml", """
                pfs:
                  - pf: enp1s0f0
                    numVfs: 4
                    vfs:
                      - index: 0
                        vlna: 100
                """));
        assertEquals(VirtwireException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("host.yaml line 6: unknown key 'vlna' in pfs[0].vfs[0]"), e.getMessage());
        assertTrue(e.getMessage().contains("vlan"), e.getMessage());
    }

    @Test
    void unknownTopLevelKey() {
        VirtwireException e = assertThrows(VirtwireException.class, () -> parser.parse("host.yaml", "pfs: []\nhugepage:\n  - size: 2M\n"));
        assertTrue(e.getMessage().contains("line 2: unknown key 'hugepage'"), e.getMessage());
    }

    @Test
    void wrongTypeNamesThePath() {
        VirtwireException e = assertThrows(VirtwireException.class, () -> parser.parse("host.yaml", """
                pfs:
                  - pf: enp1s0f0
                    numVfs: many
                """));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("pfs[0].numVfs"), e.getMessage());
    }

    @Test
    void unquotedPciAddressesAndMacsStayStrings() {
        // YAML 1.1 would read 0000:01:00.1 as a base-60 float and 12:34:56-style MACs as base-60 integers
        HostProfile p = parser.parse("host.yaml", "pfs:\n  - pf: 0000:01:00.1   # port 1\n    vfs:\n      - index: 0\n        mac: 52:54:00:12:34:56\n");
        assertEquals("0000:01:00.1", p.pfs().getFirst().pf());
        assertEquals("52:54:00:12:34:56", p.pfs().getFirst().vfs().getFirst().mac());
    }

    @Test
    void emptyProfileIsRejected() {
        assertThrows(VirtwireException.class, () -> parser.parse("host.yaml", "  \n"));
    }
}
