package io.virtwire.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VlanSpecTest {

    @Test
    void accessTag() {
        VlanSpec v = VlanSpec.access(42);
        assertEquals(List.of(42), v.tags());
        assertFalse(v.trunk());
    }

    @Test
    void trunkWithNative() {
        VlanSpec v = VlanSpec.trunk(List.of(10, 20), 20, VlanSpec.NativeMode.UNTAGGED);
        assertTrue(v.trunk());
        assertEquals(Optional.of(20), v.nativeTag());
    }

    @Test
    void tagRange() {
        assertEquals(0, VlanSpec.access(0).tags().getFirst());
        assertEquals(4094, VlanSpec.access(4094).tags().getFirst());
        var e = assertThrows(IllegalArgumentException.class, () -> VlanSpec.access(4095));
        assertEquals("invalid VLAN tag 4095: expected 0..4094", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VlanSpec.access(-1));
        assertThrows(IllegalArgumentException.class, () -> VlanSpec.trunk(List.of(1, 5000)));
    }

    @Test
    void rulesBetweenTags() {
        assertThrows(IllegalArgumentException.class, () -> VlanSpec.trunk(List.of()));
        var twice = assertThrows(IllegalArgumentException.class, () -> VlanSpec.trunk(List.of(7, 7)));
        assertTrue(twice.getMessage().contains("7 is listed twice"));
        var many = assertThrows(IllegalArgumentException.class,
                () -> new VlanSpec(List.of(1, 2), false, Optional.empty(), Optional.empty()));
        assertTrue(many.getMessage().contains("need trunk mode"));
        var notMember = assertThrows(IllegalArgumentException.class,
                () -> VlanSpec.trunk(List.of(1, 2), 3, VlanSpec.NativeMode.TAGGED));
        assertTrue(notMember.getMessage().contains("native VLAN 3 is not one of the trunk tags"));
        assertThrows(IllegalArgumentException.class,
                () -> new VlanSpec(List.of(1), false, Optional.of(1), Optional.of(VlanSpec.NativeMode.TAGGED)));
    }
}
