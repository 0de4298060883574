package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.model.PciAddress;

/**
 * The one path for every host write. Each method is one kernel-visible change with the command an operator
 * would type. Failures throw {@link HostActionException} carrying the errno the kernel returned.
 */
public interface HostActions {

    /** echo N > /sys/bus/pci/devices/PF/sriov_numvfs */
    void setNumVfs(PciAddress pf, int numVfs);

    /** ip link set PF vf N mac MAC */
    void setVfMac(String pfNetdev, int vf, String mac);

    /** ip link set PF vf N vlan VLAN qos QOS (vlan 0 removes the tag) */
    void setVfVlan(String pfNetdev, int vf, int vlan, int qos);

    /** ip link set PF vf N trust on|off */
    void setVfTrust(String pfNetdev, int vf, boolean on);

    /** ip link set PF vf N spoofchk on|off */
    void setVfSpoofchk(String pfNetdev, int vf, boolean on);

    /** devlink dev eswitch set pci/PF mode legacy|switchdev */
    void setEswitchMode(PciAddress pf, String mode);

    /** echo DRIVER > /sys/bus/pci/devices/DEV/driver_override; null clears it (writes "\n"). */
    void overrideDriver(PciAddress device, String driver);

    /** echo DEV > /sys/bus/pci/devices/DEV/driver/unbind */
    void unbind(PciAddress device);

    /** echo DEV > /sys/bus/pci/drivers_probe: binds the override driver, else the default one. */
    void probe(PciAddress device);

    /** vdpa dev add name NAME mgmtdev MGMTDEV [mac MAC] [max_vqp N] */
    void addVdpaDevice(String name, String mgmtdev, String mac, Integer maxVqPairs);

    /** vdpa dev del NAME */
    void deleteVdpaDevice(String name);

    /** echo N > .../hugepages-SIZE/nr_hugepages (system-wide when node is null, else that NUMA node's pool). */
    void setHugepages(String size, Integer node, long count);

    /**
     * Replaces one of virtwire's configuration files (a host-absolute path under /etc) with content, atomically;
     * null content removes it.
     */
    void writeFile(String hostPath, String content);

    /** modprobe MODULE (its options come from /etc/modprobe.d) */
    void loadModule(String module);

    /** modprobe -r MODULE */
    void unloadModule(String module);

    /** update-grub: regenerates /boot/grub/grub.cfg from /etc/default/grub and /etc/default/grub.d (Debian/Ubuntu). */
    void updateGrub();

    /** grubby --update-kernel=ALL [--args="ADD"] [--remove-args="REMOVE"] (RHEL family) */
    void grubby(java.util.List<String> add, java.util.List<String> remove);
}
