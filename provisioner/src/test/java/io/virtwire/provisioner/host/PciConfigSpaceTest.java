package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PciConfigSpaceTest {

    private static byte[] i350() {
        return new ConfigSpaceBuilder(0x8086, 0x1521, 0x020000, 1, false, true)
                .aer(0x100).dsn(0x140).sriov(0x160, 8, 8, 4, 384, 4, 0x1520).acs(0x1d0, 0, 0).build();
    }

    @Test
    void readsHeaderAndCapabilitiesLikeLspci() {
        PciConfigSpace c = new PciConfigSpace(i350());
        assertEquals(0x8086, c.vendorId());
        assertEquals(0x1521, c.deviceId());
        assertEquals(0x020000, c.classCode());
        assertFalse(c.isBridge());
        assertEquals(0xa0, c.capability(PciConfigSpace.CAP_ID_PCIE).orElseThrow());
        assertTrue(c.hasAer());
        SriovCapability s = c.sriov().orElseThrow();
        assertEquals(new SriovCapability(0x160, 8, 8, 4, 384, 4, "0x1520", null), s);
        assertEquals(0x1d0, c.acs().orElseThrow().offset());
        assertEquals("SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-", c.acs().orElseThrow().ctlText());
    }

    @Test
    void vfRoutingFollowsOffsetAndStride() {
        SriovCapability s = new PciConfigSpace(i350()).sriov().orElseThrow();
        PciAddress pf1 = PciAddress.parse("0000:01:00.1");
        assertEquals("0000:02:10.1", s.vfAddress(pf1, 0).toString());
        assertEquals("0000:02:11.5", s.vfAddress(pf1, 3).toString());
        assertEquals(7, s.vfsThatFit(PciAddress.parse("0000:01:00.0"), new BusRange(1, 2), 7));
        assertEquals(0, s.vfsThatFit(PciAddress.parse("0000:01:00.0"), new BusRange(1, 1), 7));
        assertEquals("[bus 01]", new BusRange(1, 1).kernelForm());
        assertEquals("[bus 01-02]", new BusRange(1, 2).kernelForm());
    }

    @Test
    void bridgeBusRangeAndAcsIsolation() {
        PciConfigSpace b = new PciConfigSpace(new ConfigSpaceBuilder(0x8086, 0xa298, 0x060400, 0, true, false)
                .busRange(0, 1, 1).aer(0x100).acs(0x110, 0x5f, 0x1d).build());
        assertTrue(b.isBridge());
        assertEquals(new BusRange(1, 1), b.busRange().orElseThrow());
        assertTrue(b.acs().orElseThrow().enforcesIsolation());
    }

    @Test
    void unprivilegedShortReadsAndLoopsDoNotHang() {
        // non-root reads of sysfs config return 64 bytes: no extended capabilities
        PciConfigSpace shortRead = new PciConfigSpace(Arrays.copyOf(i350(), 64));
        assertTrue(shortRead.sriov().isEmpty());
        assertTrue(shortRead.acs().isEmpty());
        byte[] loop = i350();
        loop[0x100 + 2] = 0x00;
        loop[0x100 + 3] = 0x10;          // AER's next pointer -> 0x100 itself
        assertTrue(new PciConfigSpace(loop).sriov().isEmpty());
        byte[] stdLoop = i350();
        stdLoop[0x41] = 0x40;            // PM's next -> PM
        assertTrue(new PciConfigSpace(stdLoop).capability(0x10).isEmpty());
    }

    @Test
    void pciAddressesParseAndNameTheRuleWhenWrong() {
        assertEquals("0000:01:00.0", PciAddress.parse("01:00.0").toString());
        assertEquals(0x100, PciAddress.parse("0000:01:00.0").routingId());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PciAddress.parse("01:00.9"));
        assertTrue(e.getMessage().contains("'01:00.9'"), e.getMessage());
        assertEquals(PciAddress.parse("0000:01:00.1"), PciAddress.fromRoutingId(0, 0x101));
    }
}
