package io.virtwire.provisioner.host.doctor;

import io.virtwire.provisioner.host.MemlockLimit;
import java.util.List;

/** VFIO pins all guest RAM and DPDK pins its hugepages; a small RLIMIT_MEMLOCK makes them fail or OOM. */
final class MemlockLimitCheck extends BaseCheck {

    static final String ID = "memlock-limit";
    static final long MIN_BYTES = 1L << 30;

    MemlockLimitCheck() {
        super(ID, Purpose.hostdev, Purpose.dpdk);
    }

    @Override
    public List<Finding> run(DoctorContext ctx) {
        MemlockLimit limit = ctx.inventory().memlock();
        if (limit == null) {
            return List.of();
        }
        long hugepageBytes = ctx.inventory().hugepages().stream().filter(p -> p.node() == null).mapToLong(p -> p.total() * p.sizeKb() * 1024).sum();
        long needed = Math.max(MIN_BYTES, hugepageBytes);
        Evidence e = new Evidence(limit.source(), "Max locked memory " + (limit.unlimited() ? "unlimited" : limit.softBytes() + " bytes"));
        if (limit.unlimited() || limit.softBytes() >= needed) {
            return List.of(Finding.ok(ID, "host", "memlock limit " + (limit.unlimited() ? "unlimited" : limit.softBytes() + " bytes"), List.of(e)));
        }
        return List.of(Finding.problem(ID, Status.fail, "host",
                "RLIMIT_MEMLOCK is " + limit.softBytes() + " bytes, below " + needed + ": VFIO pins all guest RAM (and DPDK its hugepages), so "
                        + "mapping fails ('vfio_pin_pages failed', 'Cannot allocate memory') or the guest is killed",
                List.of(e),
                "ulimit -l unlimited in the shell that starts DPDK/QEMU; LimitMEMLOCK=infinity in its systemd unit; or '* soft memlock unlimited' and "
                        + "'* hard memlock unlimited' in /etc/security/limits.d/virtwire.conf (libvirt raises the limit itself for guests with <hostdev>: guest RAM + 1 GiB)"));
    }
}
