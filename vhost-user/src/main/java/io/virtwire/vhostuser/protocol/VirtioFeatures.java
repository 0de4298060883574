package io.virtwire.vhostuser.protocol;

import java.util.List;

/** A set of virtio feature bits as carried by GET_FEATURES / SET_FEATURES. Unknown bits are kept. */
public record VirtioFeatures(long bits) {

    public static final VirtioFeatures NONE = new VirtioFeatures(0);

    public static VirtioFeatures of(VirtioFeature... features) {
        long bits = 0;
        for (VirtioFeature f : features) {
            bits |= f.mask();
        }
        return new VirtioFeatures(bits);
    }

    public boolean has(VirtioFeature feature) {
        return (bits & feature.mask()) != 0;
    }

    public VirtioFeatures with(VirtioFeature feature) {
        return new VirtioFeatures(bits | feature.mask());
    }

    public VirtioFeatures without(VirtioFeature feature) {
        return new VirtioFeatures(bits & ~feature.mask());
    }

    public VirtioFeatures intersect(VirtioFeatures other) {
        return new VirtioFeatures(bits & other.bits);
    }

    /** True if every bit of this set is also in {@code offered} (a SET_FEATURES must not ack more than offered). */
    public boolean isSubsetOf(VirtioFeatures offered) {
        return (bits & ~offered.bits) == 0;
    }

    /** Set bits that this enum does not name. */
    public long unknownBits() {
        return FeatureBits.unknown(bits, VirtioFeature.values(), VirtioFeature::mask);
    }

    /** Names of the set bits in bit order, unknown bits as {@code bit<N>}. */
    public List<String> names() {
        return FeatureBits.names(bits, VirtioFeature::ofBit);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(bits) + " " + names();
    }
}
