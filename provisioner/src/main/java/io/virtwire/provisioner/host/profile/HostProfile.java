package io.virtwire.provisioner.host.profile;

import java.util.List;

/**
 * The declared host state (host.yaml). Absent fields mean "leave as it is".
 * <pre>
 * pfs:
 *   - pf: enp1s0f0            # netdev or PCI address
 *     numVfs: 4
 *     eswitchMode: switchdev  # legacy | switchdev
 *     vfs:
 *       - index: 0
 *         mac: 52:54:00:12:34:56
 *         vlan: 100
 *         qos: 0
 *         trust: false
 *         spoofchk: true
 *         driver: vfio-pci    # vfio-pci | kernel
 * vdpa:
 *   - name: vdpa0
 *     mgmtdev: pci/0000:07:00.2
 *     mac: 00:11:22:33:44:00
 *     maxVqPairs: 1
 * hugepages:
 *   - size: 2048kB            # or 2M, 1G, 1048576kB
 *     node: 0                 # omit for the system-wide pool
 *     count: 1024
 * </pre>
 */
public record HostProfile(List<PfProfile> pfs, List<VdpaProfile> vdpa, List<HugepageProfile> hugepages) {

    public HostProfile {
        pfs = pfs == null ? List.of() : List.copyOf(pfs);
        vdpa = vdpa == null ? List.of() : List.copyOf(vdpa);
        hugepages = hugepages == null ? List.of() : List.copyOf(hugepages);
    }

    public record PfProfile(String pf, Integer numVfs, String eswitchMode, List<VfProfile> vfs) {
        public PfProfile {
            vfs = vfs == null ? List.of() : List.copyOf(vfs);
        }
    }

    public record VfProfile(Integer index, String mac, Integer vlan, Integer qos, Boolean trust, Boolean spoofchk, String driver) {
    }

    public record VdpaProfile(String name, String mgmtdev, String mac, Integer maxVqPairs) {
    }

    public record HugepageProfile(String size, Integer node, Long count) {
    }
}
