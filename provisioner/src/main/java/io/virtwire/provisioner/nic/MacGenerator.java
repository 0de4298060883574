package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.model.MacAddress;
import java.security.SecureRandom;
import java.util.Set;

/** Random MACs in QEMU/libvirt's locally used 52:54:00 prefix, avoiding ones already taken. */
public final class MacGenerator {

    /** Made on the first MAC, not with the service: a call that makes none (domiflist) skips seeding it. */
    private SecureRandom random;

    public MacAddress next(Set<MacAddress> taken) {
        if (random == null) {
            random = new SecureRandom();
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int n = random.nextInt(1 << 24);
            MacAddress mac = new MacAddress(String.format("52:54:00:%02x:%02x:%02x", n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff));
            if (!taken.contains(mac)) {
                return mac;
            }
        }
        throw new IllegalStateException("no free MAC address found in 1000 tries (" + taken.size() + " taken)");
    }
}
