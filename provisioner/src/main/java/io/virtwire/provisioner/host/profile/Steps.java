package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.model.PciAddress;
import java.util.List;

/** The host changes a plan is made of. */
public final class Steps {

    private Steps() {
    }

    public record SetNumVfs(PciAddress pf, int from, int to) implements Step {
        public String command() {
            return "echo " + to + " > /sys/bus/pci/devices/" + pf + "/sriov_numvfs";
        }

        public void apply(HostActions a) {
            a.setNumVfs(pf, to);
        }

        public Step undo() {
            return new SetNumVfs(pf, to, from);
        }
    }

    public record SetVfMac(String pf, int vf, String from, String to) implements Step {
        public String command() {
            return "ip link set " + pf + " vf " + vf + " mac " + to;
        }

        public void apply(HostActions a) {
            a.setVfMac(pf, vf, to);
        }

        public Step undo() {
            return new SetVfMac(pf, vf, to, from);
        }
    }

    public record SetVfVlan(String pf, int vf, int fromVlan, int fromQos, int toVlan, int toQos) implements Step {
        public String command() {
            return "ip link set " + pf + " vf " + vf + " vlan " + toVlan + (toQos != 0 ? " qos " + toQos : "");
        }

        public void apply(HostActions a) {
            a.setVfVlan(pf, vf, toVlan, toQos);
        }

        public Step undo() {
            return new SetVfVlan(pf, vf, toVlan, toQos, fromVlan, fromQos);
        }
    }

    public record SetVfTrust(String pf, int vf, boolean from, boolean to) implements Step {
        public String command() {
            return "ip link set " + pf + " vf " + vf + " trust " + (to ? "on" : "off");
        }

        public void apply(HostActions a) {
            a.setVfTrust(pf, vf, to);
        }

        public Step undo() {
            return new SetVfTrust(pf, vf, to, from);
        }
    }

    public record SetVfSpoofchk(String pf, int vf, boolean from, boolean to) implements Step {
        public String command() {
            return "ip link set " + pf + " vf " + vf + " spoofchk " + (to ? "on" : "off");
        }

        public void apply(HostActions a) {
            a.setVfSpoofchk(pf, vf, to);
        }

        public Step undo() {
            return new SetVfSpoofchk(pf, vf, to, from);
        }
    }

    public record SetEswitchMode(PciAddress pf, String from, String to) implements Step {
        public String command() {
            return "devlink dev eswitch set pci/" + pf + " mode " + to;
        }

        public void apply(HostActions a) {
            a.setEswitchMode(pf, to);
        }

        public Step undo() {
            return new SetEswitchMode(pf, to, from);
        }
    }

    /** Unbinds a device from its driver (VFs before an eswitch mode change). */
    public record Unbind(PciAddress device, String driver) implements Step {
        public String command() {
            return "echo " + device + " > /sys/bus/pci/drivers/" + driver + "/unbind";
        }

        public void apply(HostActions a) {
            a.unbind(device);
        }

        public Step undo() {
            return new Reprobe(device, driver);
        }
    }

    /** Lets the kernel bind the device again (its driver_override, else the default driver). */
    public record Reprobe(PciAddress device, String driver) implements Step {
        public String command() {
            return "echo " + device + " > /sys/bus/pci/drivers_probe";
        }

        public void apply(HostActions a) {
            a.probe(device);
        }

        public Step undo() {
            return new Unbind(device, driver);
        }
    }

    /**
     * Moves a device to another driver with driver_override, the way that works for IDs the driver's table lacks.
     * toOverride null means the kernel default (override cleared); fromDriver null means it was unbound.
     */
    public record Rebind(PciAddress device, String fromDriver, String fromOverride, String toDriver, String toOverride) implements Step {
        public String command() {
            return "echo " + (toOverride == null ? "" : toOverride) + " > /sys/bus/pci/devices/" + device + "/driver_override"
                    + (fromDriver == null ? "" : " && echo " + device + " > /sys/bus/pci/drivers/" + fromDriver + "/unbind")
                    + " && echo " + device + " > /sys/bus/pci/drivers_probe" + "   # -> " + toDriver;
        }

        public void apply(HostActions a) {
            a.overrideDriver(device, toOverride);
            if (fromDriver != null) {
                a.unbind(device);
            }
            a.probe(device);
        }

        public Step undo() {
            return new Rebind(device, toDriver, toOverride, fromDriver, fromOverride);
        }
    }

    public record AddVdpa(String name, String mgmtdev, String mac, Integer maxVqPairs) implements Step {
        public String command() {
            return "vdpa dev add name " + name + " mgmtdev " + mgmtdev + (mac == null ? "" : " mac " + mac)
                    + (maxVqPairs == null ? "" : " max_vqp " + maxVqPairs);
        }

        public void apply(HostActions a) {
            a.addVdpaDevice(name, mgmtdev, mac, maxVqPairs);
        }

        public Step undo() {
            return new DeleteVdpa(name, mgmtdev, mac, maxVqPairs);
        }
    }

    public record DeleteVdpa(String name, String mgmtdev, String mac, Integer maxVqPairs) implements Step {
        public String command() {
            return "vdpa dev del " + name;
        }

        public void apply(HostActions a) {
            a.deleteVdpaDevice(name);
        }

        public Step undo() {
            return new AddVdpa(name, mgmtdev, mac, maxVqPairs);
        }
    }

    public record SetHugepages(String size, Integer node, long from, long to) implements Step {
        public String command() {
            return "echo " + to + " > " + (node == null ? "/sys/kernel/mm/hugepages/hugepages-" + size
                    : "/sys/devices/system/node/node" + node + "/hugepages/hugepages-" + size) + "/nr_hugepages";
        }

        public void apply(HostActions a) {
            a.setHugepages(size, node, to);
        }

        public Step undo() {
            return new SetHugepages(size, node, to, from);
        }
    }

    /** Replaces (or, to null, removes) one of virtwire's files under /etc; the display says what it holds. */
    public record WriteFile(String path, String from, String to) implements Step {
        public String command() {
            if (to == null) {
                return "rm " + path;
            }
            List<String> lines = to.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            return "write " + path + ": " + String.join("; ", lines);
        }

        public void apply(HostActions a) {
            a.writeFile(path, to);
        }

        public Step undo() {
            return new WriteFile(path, to, from);
        }
    }

    /** The GRUB drop-in and update-grub in one step, so that an undo restores the file before regenerating grub.cfg. */
    public record GrubDropIn(String path, String from, String to, String summary) implements Step {
        public String command() {
            return (to == null ? "rm " + path : "write " + path + " (" + summary + ")") + " && update-grub";
        }

        public void apply(HostActions a) {
            a.writeFile(path, to);
            a.updateGrub();
        }

        public Step undo() {
            return new GrubDropIn(path, to, from, "as before");
        }
    }

    /** grubby on every installed kernel; the undo takes back exactly what this added and removed. */
    public record Grubby(List<String> add, List<String> remove) implements Step {
        public String command() {
            return "grubby --update-kernel=ALL" + (add.isEmpty() ? "" : " --args=\"" + String.join(" ", add) + "\"")
                    + (remove.isEmpty() ? "" : " --remove-args=\"" + String.join(" ", remove) + "\"");
        }

        public void apply(HostActions a) {
            a.grubby(add, remove);
        }

        public Step undo() {
            return new Grubby(remove, add);
        }
    }

    public record LoadModule(String module) implements Step {
        public String command() {
            return "modprobe " + module;
        }

        public void apply(HostActions a) {
            a.loadModule(module);
        }

        public Step undo() {
            return new UnloadModule(module);
        }
    }

    public record UnloadModule(String module) implements Step {
        public String command() {
            return "modprobe -r " + module;
        }

        public void apply(HostActions a) {
            a.unloadModule(module);
        }

        public Step undo() {
            return new LoadModule(module);
        }
    }
}
