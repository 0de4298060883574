package io.virtwire.vhostuser.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.ToLongFunction;

/** What the virtio and protocol feature sets share: naming set bits and finding bits no constant names. */
final class FeatureBits {

    private FeatureBits() {
    }

    /** Names of the set bits in bit order, unknown bits as {@code bit<N>}. */
    static List<String> names(long bits, IntFunction<? extends Enum<?>> ofBit) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) != 0) {
                Enum<?> f = ofBit.apply(bit);
                names.add(f != null ? f.name() : "bit" + bit);
            }
        }
        return names;
    }

    /** The bits of {@code bits} that none of {@code known} names. */
    static <E> long unknown(long bits, E[] known, ToLongFunction<E> mask) {
        long all = 0;
        for (E f : known) {
            all |= mask.applyAsLong(f);
        }
        return bits & ~all;
    }
}
