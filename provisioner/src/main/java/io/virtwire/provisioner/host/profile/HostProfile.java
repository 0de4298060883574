package io.virtwire.provisioner.host.profile;

import java.util.List;
import java.util.Map;

/**
 * The declared host state (host.yaml). Absent fields mean "leave as it is".
 * <pre>
 * kernel:
 *   cmdline: {add: [intel_iommu=on, iommu=pt], remove: [intel_iommu=off]}   # GRUB drop-in + update-grub, or grubby
 *   modules: [vfio-pci, vhost_vdpa]                                           # modprobe now + /etc/modules-load.d/virtwire.conf
 *   moduleOptions: {vfio_iommu_type1: "allow_unsafe_interrupts=1"}           # /etc/modprobe.d/virtwire.conf
 * pfs:
 *   - pf: enp1s0f0            # netdev or PCI address
 *     driver: vfio-pci        # the whole PF: vfio-pci (DPDK/VPP) | kernel (its own driver back)
 *     reserve: dpdk           # never handed to a VM by the allocator (with its VFs)
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
 *         reserve: dpdk       # this VF is not for VMs
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
public record HostProfile(KernelProfile kernel, List<PfProfile> pfs, List<VdpaProfile> vdpa, List<HugepageProfile> hugepages) {

    public HostProfile {
        kernel = kernel == null ? KernelProfile.NONE : kernel;
        pfs = pfs == null ? List.of() : List.copyOf(pfs);
        vdpa = vdpa == null ? List.of() : List.copyOf(vdpa);
        hugepages = hugepages == null ? List.of() : List.copyOf(hugepages);
    }

    public HostProfile(List<PfProfile> pfs, List<VdpaProfile> vdpa, List<HugepageProfile> hugepages) {
        this(null, pfs, vdpa, hugepages);
    }

    /** The kernel section; the key names are a contract (doctor checks and recipes rely on them). */
    public record KernelProfile(Cmdline cmdline, List<String> modules, Map<String, String> moduleOptions) {
        public static final KernelProfile NONE = new KernelProfile(null, null, null);

        public KernelProfile {
            cmdline = cmdline == null ? new Cmdline(null, null) : cmdline;
            modules = modules == null ? List.of() : List.copyOf(modules);
            moduleOptions = moduleOptions == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(moduleOptions));
        }

        public boolean isEmpty() {
            return cmdline.add().isEmpty() && cmdline.remove().isEmpty() && modules.isEmpty() && moduleOptions.isEmpty();
        }
    }

    public record Cmdline(List<String> add, List<String> remove) {
        public Cmdline {
            add = add == null ? List.of() : List.copyOf(add);
            remove = remove == null ? List.of() : List.copyOf(remove);
        }
    }

    /**
     * @param driver  the whole PF's driver: vfio-pci (handed to DPDK/VPP, seed 000) or kernel (back to its own driver)
     * @param reserve who owns the PF and its VFs besides VMs ("dpdk"); the VM allocator never hands them out
     */
    public record PfProfile(String pf, String driver, String reserve, Integer numVfs, String eswitchMode, List<VfProfile> vfs) {
        public PfProfile {
            vfs = vfs == null ? List.of() : List.copyOf(vfs);
        }
    }

    public record VfProfile(Integer index, String mac, Integer vlan, Integer qos, Boolean trust, Boolean spoofchk, String driver, String reserve) {
        public VfProfile(Integer index, String mac, Integer vlan, Integer qos, Boolean trust, Boolean spoofchk, String driver) {
            this(index, mac, vlan, qos, trust, spoofchk, driver, null);
        }
    }

    public record VdpaProfile(String name, String mgmtdev, String mac, Integer maxVqPairs) {
    }

    public record HugepageProfile(String size, Integer node, Long count) {
    }
}
