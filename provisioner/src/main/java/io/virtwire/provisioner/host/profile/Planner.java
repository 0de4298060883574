package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HugepagePool;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.SriovCapability;
import io.virtwire.provisioner.host.VdpaDevice;
import io.virtwire.provisioner.host.VfDrivers;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.KernelState;
import io.virtwire.provisioner.host.PfDrivers;
import io.virtwire.provisioner.host.Reservations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compares a profile with the host and orders the steps the way real hosts need them: sriov_numvfs to 0 before a new
 * non-zero count; for an eswitch mode change unbind the VFs, switch, rebind (seed 001); VF MAC/VLAN/trust/spoofchk
 * through the PF before any VF changes driver (before guests start); drivers via driver_override; then vdpa devices
 * and hugepages. Every rule is checked before the first step, so bad input changes nothing.
 */
public final class Planner {

    public static final String KERNEL_DRIVER = "kernel";
    public static final String VFIO_PCI = "vfio-pci";
    /** reserve: none gives a device back to VMs. */
    public static final String NO_RESERVATION = "none";
    private static final Pattern OWNER = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    /** The VF as this run will find it when its settings are applied. */
    private record VfState(int index, PciAddress address, String driver, String mac, int vlan, int qos, Boolean trust, Boolean spoofchk) {
    }

    public Plan plan(HostProfile profile, HostInventory inv) {
        List<String> errors = new ArrayList<>();
        KernelPlanner kernel = new KernelPlanner(profile.kernel(), inv, impliedModules(profile, inv));
        kernel.validate(errors);
        validate(profile, inv, errors);
        if (!errors.isEmpty()) {
            throw VirtwireException.invalid(errors.size() == 1 ? errors.getFirst() + "; nothing was changed"
                    : errors.size() + " problems in the profile, nothing was changed:\n  " + String.join("\n  ", errors));
        }
        List<Step> steps = new ArrayList<>();
        // modules first: the drivers and vdpa devices below need them
        Plan.Boot boot = kernel.plan(steps);
        Map<String, String> reservations = new TreeMap<>(inv.reservations());
        for (HostProfile.PfProfile p : profile.pfs()) {
            planPf(p, inv.pf(p.pf()).orElseThrow(), steps, reservations);
        }
        for (HostProfile.VdpaProfile v : profile.vdpa()) {
            if (inv.vdpaDevices().stream().noneMatch(d -> d.name().equals(v.name()))) {
                steps.add(new Steps.AddVdpa(v.name(), v.mgmtdev(), v.mac() == null ? null : v.mac().toLowerCase(Locale.ROOT), v.maxVqPairs()));
            }
        }
        for (HostProfile.HugepageProfile h : profile.hugepages()) {
            String size = normalizeSize(h.size()).orElseThrow();
            HugepagePool pool = pool(inv, size, h.node()).orElseThrow();
            if (pool.total() != h.count()) {
                steps.add(new Steps.SetHugepages(size, h.node(), pool.total(), h.count()));
            }
        }
        if (!reservations.equals(new TreeMap<>(inv.reservations()))) {
            String have = inv.kernel().file(KernelState.RESERVATIONS);
            steps.add(new Steps.WriteFile(KernelState.RESERVATIONS, have, reservations.isEmpty() ? null : Reservations.render(reservations)));
        }
        return new Plan(steps, boot);
    }

    /**
     * Modules the profile's devices cannot work without (host apply never leaves a result it knows is unusable):
     * vdpa devices without vhost_vdpa have no /dev/vhost-vdpa-N, a driver: vfio-pci without vfio-pci cannot bind.
     */
    private static Map<String, String> impliedModules(HostProfile profile, HostInventory inv) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!profile.vdpa().isEmpty() && !inv.driverLoaded("vhost_vdpa")) {
            out.put("vhost_vdpa", "vdpa[0] (libvirt's <interface type='vdpa'> and QEMU's vhost-vdpa open /dev/vhost-vdpa-N, which only vhost_vdpa creates)");
        }
        for (int i = 0; i < profile.pfs().size(); i++) {
            HostProfile.PfProfile p = profile.pfs().get(i);
            boolean vfio = VFIO_PCI.equals(p.driver()) || p.vfs().stream().anyMatch(v -> VFIO_PCI.equals(v.driver()));
            if (vfio && !inv.driverLoaded(VFIO_PCI)) {
                out.putIfAbsent(VFIO_PCI, "pfs[" + i + "] (driver: vfio-pci)");
            }
        }
        return out;
    }

    /** The driver the PF will have once its driver: step ran. */
    private static String effectiveDriver(HostProfile.PfProfile p, PhysicalFunction pf) {
        if (p.driver() == null) {
            return pf.driver();
        }
        return p.driver().equals(VFIO_PCI) ? VFIO_PCI : kernelDriver(pf).orElse(pf.driver());
    }

    private static Optional<String> kernelDriver(PhysicalFunction pf) {
        if (pf.driver() != null && VfDrivers.defaultFor(pf.driver()).isPresent()) {
            return Optional.of(pf.driver());
        }
        return PfDrivers.kernelDriverFor(pf.vendorId(), pf.deviceId());
    }

    private void planPf(HostProfile.PfProfile p, PhysicalFunction pf, List<Step> steps, Map<String, String> reservations) {
        PciAddress address = pf.pciAddress();
        reserve(reservations, pf.address(), p.reserve());
        if (p.driver() != null) {
            String target = effectiveDriver(p, pf);
            if (!target.equals(pf.driver())) {
                if (target.equals(VFIO_PCI) && pf.numVfs() > 0) {
                    // a PF handed to DPDK cannot keep VFs (seed 003); they go first, as unbinding the PF would take them anyway
                    steps.add(new Steps.SetNumVfs(address, pf.numVfs(), 0));
                }
                steps.add(new Steps.Rebind(address, pf.driver(), VFIO_PCI.equals(pf.driver()) ? VFIO_PCI : null, target,
                        target.equals(VFIO_PCI) ? VFIO_PCI : null));
            }
            if (target.equals(VFIO_PCI)) {
                return;
            }
        }
        int current = pf.numVfs();
        int wanted = p.numVfs() == null ? current : p.numVfs();
        String vfDriver = VfDrivers.defaultFor(effectiveDriver(p, pf)).orElse(null);
        List<VfState> vfs = new ArrayList<>();
        if (wanted != current) {
            if (current > 0) {
                steps.add(new Steps.SetNumVfs(address, current, 0));
            }
            if (wanted > 0) {
                steps.add(new Steps.SetNumVfs(address, 0, wanted));
            }
            // new VFs come up with the kernel's defaults, bound to the PF's VF driver (sriov_drivers_autoprobe)
            for (int i = 0; i < wanted; i++) {
                vfs.add(new VfState(i, pf.sriov().vfAddress(address, i), vfDriver, "00:00:00:00:00:00", 0, 0, false, true));
            }
        } else {
            for (VirtualFunction v : pf.vfs()) {
                vfs.add(new VfState(v.index(), PciAddress.parse(v.address()), v.driver(), v.mac(), v.vlan() == null ? 0 : v.vlan(),
                        v.qos() == null ? 0 : v.qos(), v.trust(), v.spoofchk()));
            }
        }
        if (p.eswitchMode() != null && !p.eswitchMode().equals(pf.eswitchMode())) {
            List<VfState> bound = vfs.stream().filter(v -> v.driver() != null).toList();
            bound.forEach(v -> steps.add(new Steps.Unbind(v.address(), v.driver())));
            steps.add(new Steps.SetEswitchMode(address, pf.eswitchMode(), p.eswitchMode()));
            bound.forEach(v -> steps.add(new Steps.Reprobe(v.address(), v.driver())));
        }
        List<Step> drivers = new ArrayList<>();
        for (HostProfile.VfProfile want : p.vfs()) {
            VfState have = vfs.stream().filter(v -> v.index() == want.index()).findFirst().orElseThrow();
            reserve(reservations, have.address().toString(), want.reserve());
            String netdev = pf.netdev();
            if (want.mac() != null && !want.mac().equalsIgnoreCase(String.valueOf(have.mac()))) {
                steps.add(new Steps.SetVfMac(netdev, have.index(), have.mac(), want.mac().toLowerCase(Locale.ROOT)));
            }
            int vlan = want.vlan() == null ? have.vlan() : want.vlan();
            int qos = want.qos() == null ? (want.vlan() == null ? have.qos() : 0) : want.qos();
            if (vlan != have.vlan() || qos != have.qos()) {
                steps.add(new Steps.SetVfVlan(netdev, have.index(), have.vlan(), have.qos(), vlan, qos));
            }
            if (want.trust() != null && !want.trust().equals(have.trust())) {
                steps.add(new Steps.SetVfTrust(netdev, have.index(), Boolean.TRUE.equals(have.trust()), want.trust()));
            }
            if (want.spoofchk() != null && !want.spoofchk().equals(have.spoofchk())) {
                steps.add(new Steps.SetVfSpoofchk(netdev, have.index(), Boolean.TRUE.equals(have.spoofchk()), want.spoofchk()));
            }
            if (want.driver() != null) {
                String target = want.driver().equals(VFIO_PCI) ? VFIO_PCI : vfDriver;
                if (!target.equals(have.driver())) {
                    String fromOverride = VFIO_PCI.equals(have.driver()) ? VFIO_PCI : null;
                    drivers.add(new Steps.Rebind(have.address(), have.driver(), fromOverride, target, target.equals(VFIO_PCI) ? VFIO_PCI : null));
                }
            }
        }
        // admin settings go through the PF while the VF is still on its kernel driver, then drivers move
        steps.addAll(drivers);
    }

    private static void reserve(Map<String, String> reservations, String address, String owner) {
        if (owner == null) {
            return;
        }
        if (owner.equals(NO_RESERVATION)) {
            reservations.remove(address);
        } else {
            reservations.put(address, owner);
        }
    }

    // ---- validation -------------------------------------------------------------------------------------------

    private void validate(HostProfile profile, HostInventory inv, List<String> errors) {
        Set<String> seenPfs = new HashSet<>();
        for (int i = 0; i < profile.pfs().size(); i++) {
            HostProfile.PfProfile p = profile.pfs().get(i);
            String at = "pfs[" + i + "]";
            if (p.pf() == null || p.pf().isBlank()) {
                errors.add(at + ": 'pf' is required (a netdev such as enp1s0f0 or a PCI address such as 0000:01:00.0)");
                continue;
            }
            Optional<PhysicalFunction> found = inv.pf(p.pf());
            if (found.isEmpty()) {
                throw VirtwireException.notFound(at + ": unknown PF '" + p.pf() + "'; this host's PFs: " + String.join(", ",
                        inv.pfs().stream().map(f -> f.address() + (f.netdev() == null ? "" : " (" + f.netdev() + ")")).toList())
                        + "; nothing was changed");
            }
            PhysicalFunction pf = found.get();
            if (!seenPfs.add(pf.address())) {
                errors.add(at + ": PF " + pf.address() + " is listed twice");
            }
            validatePfDriver(at, p, pf, inv, errors);
            checkReserve(at + ".reserve", p.reserve(), errors);
            validateNumVfs(at, p, pf, errors);
            if (p.eswitchMode() != null) {
                if (!p.eswitchMode().equals("legacy") && !p.eswitchMode().equals("switchdev")) {
                    errors.add(at + ".eswitchMode '" + p.eswitchMode() + "' must be legacy or switchdev");
                } else if (pf.eswitchMode() == null) {
                    errors.add(at + ".eswitchMode: " + pf.address() + " (" + pf.driver() + ") has no devlink eswitch (devlink dev eswitch show pci/"
                            + pf.address() + " reports none)");
                }
            }
            int finalVfs = p.numVfs() == null ? pf.numVfs() : p.numVfs();
            Set<Integer> seenVfs = new HashSet<>();
            for (int j = 0; j < p.vfs().size(); j++) {
                validateVf(at + ".vfs[" + j + "]", p.vfs().get(j), pf, finalVfs, seenVfs, inv, errors);
            }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < profile.vdpa().size(); i++) {
            HostProfile.VdpaProfile v = profile.vdpa().get(i);
            String at = "vdpa[" + i + "]";
            if (v.name() == null || !v.name().matches("[A-Za-z0-9_.-]{1,15}")) {
                errors.add(at + ".name '" + v.name() + "' must be 1-15 characters of letters, digits, '_', '.', '-'");
            } else if (!names.add(v.name())) {
                errors.add(at + ".name '" + v.name() + "' is listed twice");
            }
            if (v.mgmtdev() == null || inv.vdpaMgmtDevices().stream().noneMatch(m -> m.name().equals(v.mgmtdev()))) {
                errors.add(at + ".mgmtdev '" + v.mgmtdev() + "' is not a vdpa management device on this host (vdpa mgmtdev show lists: "
                        + (inv.vdpaMgmtDevices().isEmpty() ? "none" : String.join(", ", inv.vdpaMgmtDevices().stream().map(m -> m.name()).toList())) + ")");
            }
            checkMac(at + ".mac", v.mac(), errors);
            if (v.maxVqPairs() != null && (v.maxVqPairs() < 1 || v.maxVqPairs() > 0x7FFF)) {
                errors.add(at + ".maxVqPairs " + v.maxVqPairs() + " must be between 1 and 32767");
            }
            Optional<VdpaDevice> existing = inv.vdpaDevices().stream().filter(d -> d.name().equals(v.name())).findFirst();
            if (existing.isPresent() && v.mgmtdev() != null && !v.mgmtdev().equals(existing.get().mgmtdev())) {
                errors.add(at + ": vdpa device " + v.name() + " already exists on " + existing.get().mgmtdev() + ", not " + v.mgmtdev()
                        + " (vdpa dev del " + v.name() + " first)");
            }
        }
        for (int i = 0; i < profile.hugepages().size(); i++) {
            HostProfile.HugepageProfile h = profile.hugepages().get(i);
            String at = "hugepages[" + i + "]";
            Optional<String> size = normalizeSize(h.size());
            if (size.isEmpty()) {
                errors.add(at + ".size '" + h.size() + "' must be a page size such as 2M, 1G, 2048kB or 1048576kB");
                continue;
            }
            if (h.count() == null || h.count() < 0) {
                errors.add(at + ".count " + h.count() + " must be 0 or more");
            }
            if (pool(inv, size.get(), h.node()).isEmpty()) {
                errors.add(at + ": this host has no " + size.get() + " hugepage pool" + (h.node() == null ? "" : " on NUMA node " + h.node())
                        + " (sizes: " + String.join(", ", inv.hugepages().stream().filter(p -> p.node() == null).map(HugepagePool::size).toList()) + ")");
            }
        }
    }

    private void validateNumVfs(String at, HostProfile.PfProfile p, PhysicalFunction pf, List<String> errors) {
        if (p.numVfs() == null) {
            return;
        }
        int n = p.numVfs();
        SriovCapability sriov = pf.sriov();
        if (sriov == null || pf.sriovTotalVfs() == null) {
            errors.add(at + ".numVfs: " + pf.address() + " has no SR-IOV capability");
            return;
        }
        if (n < 0 || n > pf.sriovTotalVfs()) {
            errors.add(at + ".numVfs " + n + " exceeds sriov_totalvfs " + pf.sriovTotalVfs() + " of " + pf.address()
                    + " (/sys/bus/pci/devices/" + pf.address() + "/sriov_totalvfs); the kernel would answer 'Numerical result out of range'");
            return;
        }
        if (n == pf.numVfs()) {
            return;
        }
        if (VfDrivers.defaultFor(effectiveDriver(p, pf)).isEmpty()) {
            if (VFIO_PCI.equals(p.driver())) {
                errors.add(at + ".numVfs " + n + " with driver: vfio-pci: a PF handed to DPDK/VPP cannot create VFs (seed 003); "
                        + "drop numVfs, or keep the PF on its kernel driver and give VFs to DPDK (vfs: [{index: 0, driver: vfio-pci, reserve: dpdk}])");
                return;
            }
            errors.add(at + ".numVfs: PF " + pf.address() + " is on " + (pf.driver() == null ? "no driver" : pf.driver())
                    + ", which cannot create VFs; bind its kernel driver first (doctor ids pf-on-userspace-driver, pf-driver-no-sriov)");
            return;
        }
        List<String> assigned = pf.vfs().stream().filter(v -> VFIO_PCI.equals(v.driver())).map(VirtualFunction::address).toList();
        if (!assigned.isEmpty()) {
            // removing a VF that QEMU holds blocks the sriov_numvfs write until the guest lets go: never do it implicitly
            throw VirtwireException.conflict(at + ".numVfs " + n + ": changing sriov_numvfs of " + pf.address() + " removes its VFs, and "
                    + String.join(", ", assigned) + (assigned.size() == 1 ? " is" : " are") + " bound to vfio-pci (assigned to guests or DPDK); "
                    + "detach them first (virsh detach-device DOMAIN vf.xml --live), then echo BDF > /sys/bus/pci/drivers/vfio-pci/unbind; nothing was changed");
        }
        if (n > 0 && pf.upstreamBridge() != null && pf.upstreamBridge().busRange() != null) {
            int bus = sriov.busOfLastVf(pf.pciAddress(), n);
            if (bus > pf.upstreamBridge().busRange().subordinate()) {
                errors.add(at + ".numVfs " + n + ": the kernel would refuse with 'can't enable " + n + " VFs (bus " + String.format("%02x", bus)
                        + " out of range of " + pf.upstreamBridge().busRange().kernelForm() + ")' (at most "
                        + sriov.vfsThatFit(pf.pciAddress(), pf.upstreamBridge().busRange(), n) + " fit; doctor id sriov-bus-out-of-range: pci=assign-busses)");
            }
        }
        if (n > 0 && Boolean.FALSE.equals(sriov.vfBarsAssigned())) {
            errors.add(at + ".numVfs " + n + ": the VF BARs of " + pf.address() + " have no MMIO space, the write would fail with "
                    + "'Cannot allocate memory' (doctor id sriov-mmio-exhausted: pci=realloc, SR-IOV on in firmware)");
        }
    }

    private void validateVf(String at, HostProfile.VfProfile v, PhysicalFunction pf, int finalVfs, Set<Integer> seen, HostInventory inv, List<String> errors) {
        if (v.index() == null) {
            errors.add(at + ": 'index' is required");
            return;
        }
        if (v.index() < 0 || v.index() >= finalVfs) {
            errors.add(at + ".index " + v.index() + " does not exist: " + pf.address() + " will have " + finalVfs + " VFs (0-" + (finalVfs - 1) + ")");
        }
        if (!seen.add(v.index())) {
            errors.add(at + ".index " + v.index() + " is listed twice");
        }
        checkReserve(at + ".reserve", v.reserve(), errors);
        boolean adminSettings = v.mac() != null || v.vlan() != null || v.qos() != null || v.trust() != null || v.spoofchk() != null;
        if (adminSettings && pf.netdev() == null) {
            errors.add(at + ": VF settings go through the PF netdev, and " + pf.address() + " has none (driver " + pf.driver() + ")");
        }
        checkMac(at + ".mac", v.mac(), errors);
        if (v.vlan() != null && (v.vlan() < 0 || v.vlan() > 4094)) {
            errors.add(at + ".vlan " + v.vlan() + " is out of range: VLAN ids are 0 (none) to 4094");
        }
        if (v.qos() != null && (v.qos() < 0 || v.qos() > 7)) {
            errors.add(at + ".qos " + v.qos() + " is out of range: 802.1p priorities are 0 to 7");
        }
        if (v.driver() != null) {
            if (v.driver().equals(VFIO_PCI)) {
                // a vfio-pci that is not loaded is loaded by the plan (or refused by KernelPlanner when the kernel lacks it)
                if (!inv.iommu().enabled()) {
                    errors.add(at + ".driver vfio-pci needs the IOMMU, which is off on this host (doctor id iommu-disabled)");
                }
            } else if (v.driver().equals(KERNEL_DRIVER)) {
                if (VfDrivers.defaultFor(pf.driver()).isEmpty()) {
                    errors.add(at + ".driver kernel: no known VF driver for PF driver " + pf.driver());
                }
            } else {
                errors.add(at + ".driver '" + v.driver() + "' is not supported: use vfio-pci (for guests and DPDK) or kernel (the PF's VF driver)");
            }
        }
    }

    private void validatePfDriver(String at, HostProfile.PfProfile p, PhysicalFunction pf, HostInventory inv, List<String> errors) {
        if (p.driver() == null) {
            return;
        }
        if (p.driver().equals(VFIO_PCI)) {
            if (!inv.iommu().enabled()) {
                errors.add(at + ".driver vfio-pci needs the IOMMU, which is off on this host (doctor id iommu-disabled: intel_iommu=on in kernel.cmdline.add, then reboot)");
            }
            if (!p.vfs().isEmpty()) {
                errors.add(at + ".vfs: with driver: vfio-pci the whole PF goes to DPDK/VPP and it has no VFs; drop vfs or the PF driver");
            }
            List<String> assigned = pf.vfs().stream().filter(v -> VFIO_PCI.equals(v.driver())).map(VirtualFunction::address).toList();
            if (!assigned.isEmpty() && !VFIO_PCI.equals(pf.driver())) {
                throw VirtwireException.conflict(at + ".driver vfio-pci: moving " + pf.address() + " off " + pf.driver() + " removes its VFs, and "
                        + String.join(", ", assigned) + " on vfio-pci (assigned to guests or DPDK); detach them first; nothing was changed");
            }
        } else if (p.driver().equals(KERNEL_DRIVER)) {
            if (kernelDriver(pf).isEmpty()) {
                errors.add(at + ".driver kernel: virtwire does not know the kernel driver of " + pf.address() + " (" + pf.vendorId() + ":" + pf.deviceId()
                        + "); bind it by hand: echo DRIVER > /sys/bus/pci/devices/" + pf.address() + "/driver_override");
            }
        } else {
            errors.add(at + ".driver '" + p.driver() + "' is not supported: use vfio-pci (the whole PF to DPDK/VPP) or kernel (its own driver back)");
        }
    }

    private static void checkReserve(String at, String owner, List<String> errors) {
        if (owner != null && !OWNER.matcher(owner).matches()) {
            errors.add(at + " '" + owner + "' must be who owns the device, such as dpdk or vpp (lowercase, up to 32 characters), or none to give it back to VMs");
        }
    }

    private static void checkMac(String at, String mac, List<String> errors) {
        if (mac == null) {
            return;
        }
        if (!MAC.matcher(mac).matches()) {
            errors.add(at + " '" + mac + "' is not a MAC address (six hex pairs separated by ':', e.g. 52:54:00:12:34:56)");
        } else if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            errors.add(at + " '" + mac + "' is a multicast address; a VF needs a unicast MAC (first octet even)");
        } else if (mac.equals("00:00:00:00:00:00")) {
            errors.add(at + " '" + mac + "' is the all-zero MAC, which means 'unset' (doctor id vf-mac-unset)");
        }
    }

    static Optional<String> normalizeSize(String size) {
        if (size == null) {
            return Optional.empty();
        }
        return switch (size.strip()) {
            case "2M", "2MB", "2MiB", "2048kB", "2048K" -> Optional.of("2048kB");
            case "1G", "1GB", "1GiB", "1048576kB", "1048576K" -> Optional.of("1048576kB");
            default -> Optional.empty();
        };
    }

    private static Optional<HugepagePool> pool(HostInventory inv, String size, Integer node) {
        return inv.hugepages().stream().filter(p -> p.size().equals(size) && java.util.Objects.equals(p.node(), node)).findFirst();
    }
}
