package io.virtwire.provisioner.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * VLAN configuration of a guest interface, as libvirt's {@code <vlan>} element expresses it: either one access
 * tag, or a trunk of several tags of which at most one is the native VLAN (sent tagged or untagged).
 */
public record VlanSpec(List<Integer> tags, boolean trunk, Optional<Integer> nativeTag, Optional<NativeMode> nativeMode) {

    /** 4095 is reserved by 802.1Q; libvirt's schema allows it but no switch or NIC does. */
    public static final int MAX_TAG = 4094;

    public enum NativeMode {
        TAGGED, UNTAGGED;

        public String libvirtName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static NativeMode fromLibvirt(String text) {
            for (NativeMode m : values()) {
                if (m.libvirtName().equals(text)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("invalid VLAN nativeMode '" + text + "': expected tagged or untagged");
        }
    }

    public VlanSpec {
        Objects.requireNonNull(nativeTag, "nativeTag");
        Objects.requireNonNull(nativeMode, "nativeMode");
        if (tags == null || tags.isEmpty()) {
            throw new IllegalArgumentException("invalid VLAN: at least one tag is required");
        }
        tags = List.copyOf(tags);
        var seen = new HashSet<Integer>();
        for (int tag : tags) {
            if (tag < 0 || tag > MAX_TAG) {
                throw new IllegalArgumentException("invalid VLAN tag " + tag + ": expected 0.." + MAX_TAG);
            }
            if (!seen.add(tag)) {
                throw new IllegalArgumentException("invalid VLAN: tag " + tag + " is listed twice");
            }
        }
        if (!trunk && tags.size() > 1) {
            throw new IllegalArgumentException("invalid VLAN: " + tags.size() + " tags " + tags
                    + " need trunk mode; an access port carries exactly one tag");
        }
        if (nativeTag.isPresent() != nativeMode.isPresent()) {
            throw new IllegalArgumentException("invalid VLAN: a native tag needs a native mode and vice versa");
        }
        if (nativeTag.isPresent()) {
            if (!trunk) {
                throw new IllegalArgumentException("invalid VLAN: native VLAN " + nativeTag.get()
                        + " is only meaningful on a trunk");
            }
            if (!tags.contains(nativeTag.get())) {
                throw new IllegalArgumentException("invalid VLAN: native VLAN " + nativeTag.get()
                        + " is not one of the trunk tags " + tags);
            }
        }
    }

    public static VlanSpec access(int tag) {
        return new VlanSpec(List.of(tag), false, Optional.empty(), Optional.empty());
    }

    public static VlanSpec trunk(List<Integer> tags) {
        return new VlanSpec(tags, true, Optional.empty(), Optional.empty());
    }

    public static VlanSpec trunk(List<Integer> tags, int nativeTag, NativeMode mode) {
        return new VlanSpec(tags, true, Optional.of(nativeTag), Optional.of(mode));
    }
}
