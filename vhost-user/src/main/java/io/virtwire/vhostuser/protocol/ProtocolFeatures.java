package io.virtwire.vhostuser.protocol;

import java.util.List;

/**
 * A set of vhost-user protocol feature bits as carried by GET/SET_PROTOCOL_FEATURES.
 * Bits the spec does not define are kept (a frontend may send them) and reported by {@link #unknownBits()}.
 */
public record ProtocolFeatures(long bits) {

    public static final ProtocolFeatures NONE = new ProtocolFeatures(0);

    public static ProtocolFeatures of(ProtocolFeature... features) {
        long bits = 0;
        for (ProtocolFeature f : features) {
            bits |= f.mask();
        }
        return new ProtocolFeatures(bits);
    }

    public boolean has(ProtocolFeature feature) {
        return (bits & feature.mask()) != 0;
    }

    public ProtocolFeatures with(ProtocolFeature feature) {
        return new ProtocolFeatures(bits | feature.mask());
    }

    public ProtocolFeatures without(ProtocolFeature feature) {
        return new ProtocolFeatures(bits & ~feature.mask());
    }

    /** The features present in both sets (what a frontend's SET_PROTOCOL_FEATURES may keep of our offer). */
    public ProtocolFeatures intersect(ProtocolFeatures other) {
        return new ProtocolFeatures(bits & other.bits);
    }

    /** True if every bit of this set is also in {@code offered}. */
    public boolean isSubsetOf(ProtocolFeatures offered) {
        return (bits & ~offered.bits) == 0;
    }

    /** Set bits that the spec does not name. */
    public long unknownBits() {
        return FeatureBits.unknown(bits, ProtocolFeature.values(), ProtocolFeature::mask);
    }

    /** Names of the set bits in bit order, unknown bits as {@code bit<N>}. */
    public List<String> names() {
        return FeatureBits.names(bits, ProtocolFeature::ofBit);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(bits) + " " + names();
    }
}
