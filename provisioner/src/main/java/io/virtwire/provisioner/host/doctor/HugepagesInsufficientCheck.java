package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.HugepagePool;
import java.util.List;

/** vhost-user and DPDK need shared, pinned guest memory: hugepages with free pages. */
final class HugepagesInsufficientCheck extends BaseCheck {

    static final String ID = "hugepages-insufficient";

    HugepagesInsufficientCheck() {
        super(ID, Purpose.vhostuser, Purpose.dpdk, Purpose.vdpa);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        List<HugepagePool> system = ctx.inventory().hugepages().stream().filter(p -> p.node() == null).toList();
        List<Evidence> evidence = ctx.inventory().hugepages().stream()
                .map(p -> new Evidence(p.node() == null ? "/sys/kernel/mm/hugepages/hugepages-" + p.size() + "/free_hugepages"
                        : "/sys/devices/system/node/node" + p.node() + "/hugepages/hugepages-" + p.size() + "/free_hugepages",
                        p.free() + " free of " + p.total())).toList();
        long freeKb = system.stream().mapToLong(p -> p.free() * p.sizeKb()).sum();
        if (freeKb > 0) {
            return List.of(Finding.ok(ID, "host", (freeKb / 1024) + " MiB of hugepages free", evidence));
        }
        return List.of(Finding.problem(ID, Status.fail, "host",
                "no free hugepages: a guest with <memoryBacking><hugepages/> fails with 'unable to map backing store for guest RAM: Cannot allocate memory'"
                        + " and DPDK cannot allocate its memory",
                evidence,
                "echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (now), and for boot add default_hugepagesz=1G hugepagesz=1G hugepages=16 "
                        + "to GRUB_CMDLINE_LINUX; mount hugetlbfs: 'nodev /dev/hugepages hugetlbfs pagesize=1GB 0 0' in /etc/fstab"));
    }
}
