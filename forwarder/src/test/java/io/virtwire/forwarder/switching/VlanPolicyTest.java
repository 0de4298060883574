package io.virtwire.forwarder.switching;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlanPolicyTest {

    @Test
    void vlanIdsOutsideTheUsableRangeAreRefusedWithTheValue() {
        for (int bad : new int[] {0, 4095, 5000, -1}) {
            var e = assertThrows(IllegalArgumentException.class, () -> VlanPolicy.access(bad));
            assertTrue(e.getMessage().contains(Integer.toString(bad)), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> VlanPolicy.trunk(List.of(10, 4095), 0));
        assertThrows(IllegalArgumentException.class, () -> VlanPolicy.trunk(List.of(10), 4096));
        assertThrows(IllegalArgumentException.class, () -> VlanPolicy.trunk(List.of(), 0));
    }

    @Test
    void trunkMembership() {
        VlanPolicy t = VlanPolicy.trunk(List.of(1, 100, 4094), 100);
        assertEquals(List.of(1, 100, 4094), t.allowedVlans());
        assertEquals(VlanPolicy.UNTAGGED, t.egressTag(100));
        assertEquals(4094, t.egressTag(4094));
        assertEquals(VlanPolicy.REFUSED, t.egressTag(2));
        assertEquals(100, t.ingressVlan(false, 0));
        assertEquals(VlanPolicy.REFUSED, t.ingressVlan(true, 5));
    }
}
