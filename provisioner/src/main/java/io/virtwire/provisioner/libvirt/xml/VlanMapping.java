package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.VlanSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Maps the immutable {@link VlanSpec} to and from libvirt's {@code <vlan>} element. */
final class VlanMapping {

    private VlanMapping() {
    }

    static VlanXml toXml(VlanSpec spec) {
        VlanXml x = new VlanXml();
        x.trunk = spec.trunk() ? "yes" : null;
        for (int id : spec.tags()) {
            VlanTagXml t = new VlanTagXml();
            t.id = id;
            if (spec.nativeTag().isPresent() && spec.nativeTag().get() == id) {
                t.nativeMode = spec.nativeMode().orElseThrow().libvirtName();
            }
            x.tags.add(t);
        }
        return x;
    }

    static VlanSpec fromXml(VlanXml x) {
        List<Integer> tags = new ArrayList<>();
        Optional<Integer> nativeTag = Optional.empty();
        Optional<VlanSpec.NativeMode> nativeMode = Optional.empty();
        for (VlanTagXml t : x.tags) {
            if (t.id == null) {
                throw new IllegalArgumentException("invalid VLAN: <tag> without id attribute");
            }
            tags.add(t.id);
            if (t.nativeMode != null) {
                if (nativeTag.isPresent()) {
                    throw new IllegalArgumentException("invalid VLAN: tags " + nativeTag.get() + " and " + t.id
                            + " are both marked native; at most one native VLAN is allowed");
                }
                nativeTag = Optional.of(t.id);
                nativeMode = Optional.of(VlanSpec.NativeMode.fromLibvirt(t.nativeMode));
            }
        }
        return new VlanSpec(tags, "yes".equals(x.trunk), nativeTag, nativeMode);
    }
}
