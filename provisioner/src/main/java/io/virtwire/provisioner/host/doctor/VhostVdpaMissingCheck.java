package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.VdpaDevice;
import java.util.ArrayList;
import java.util.List;

/** libvirt's <interface type='vdpa'> needs /dev/vhost-vdpa-N, which only vhost_vdpa creates. */
final class VhostVdpaMissingCheck extends BaseCheck {

    static final String ID = "vhost-vdpa-missing";

    VhostVdpaMissingCheck() {
        super(ID, Purpose.vdpa);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        HostInventory inv = ctx.inventory();
        boolean vdpaHost = !inv.vdpaMgmtDevices().isEmpty() || !inv.vdpaDevices().isEmpty();
        if (!ctx.askedFor(Purpose.vdpa) && !vdpaHost) {
            return List.of();
        }
        List<Finding> out = new ArrayList<>();
        boolean loaded = inv.driverLoaded("vhost_vdpa");
        Evidence driver = new Evidence("/sys/bus/vdpa/drivers/vhost_vdpa", loaded ? "present" : "absent");
        if (!loaded) {
            out.add(Finding.problem(ID, Status.fail, "host",
                    "vhost_vdpa is not loaded (ls /sys/bus/vdpa/drivers/vhost_vdpa: 'No such file or directory'): no /dev/vhost-vdpa-N exists "
                            + "for QEMU's -netdev type=vhost-vdpa or libvirt's <interface type='vdpa'>",
                    List.of(driver), "modprobe vhost_vdpa && echo vhost_vdpa > /etc/modules-load.d/vhost_vdpa.conf"));
        }
        for (VdpaDevice d : inv.vdpaDevices()) {
            Evidence e = new Evidence("/sys/bus/vdpa/devices/" + d.name() + "/driver", d.driver() == null ? "absent" : d.driver());
            if ("vhost_vdpa".equals(d.driver()) && d.chardev() != null) {
                out.add(Finding.ok(ID, d.name(), d.name() + " is on vhost_vdpa as " + d.chardev(), List.of(e, new Evidence(d.chardev(), "present"))));
            } else if (loaded) {
                String unbind = d.driver() == null ? "" : "echo " + d.name() + " > /sys/bus/vdpa/drivers/" + d.driver() + "/unbind && ";
                out.add(Finding.problem(ID, Status.fail, d.name(), d.name() + " is not bound to vhost_vdpa, so it has no /dev/vhost-vdpa-N",
                        List.of(e), unbind + "echo " + d.name() + " > /sys/bus/vdpa/drivers/vhost_vdpa/bind"));
            }
        }
        if (loaded && inv.vdpaDevices().isEmpty()) {
            String mgmt = inv.vdpaMgmtDevices().isEmpty() ? "pci/<VF address>" : inv.vdpaMgmtDevices().getFirst().name();
            out.add(Finding.problem(ID, Status.warn, "host", "vhost_vdpa is loaded but no vdpa device exists",
                    List.of(driver, new Evidence("/sys/bus/vdpa/devices", "empty")),
                    "vdpa dev add name vdpa0 mgmtdev " + mgmt + " mac 00:11:22:33:44:00 max_vqp 1"));
        }
        return out;
    }
}
