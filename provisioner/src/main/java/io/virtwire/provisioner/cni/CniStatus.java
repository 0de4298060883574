package io.virtwire.provisioner.cni;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.ContainerVfs;
import io.virtwire.provisioner.allocation.Reconciler;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CNI 1.1 STATUS: whether an ADD on this network would get a VF now. It asks what ADD asks, changing nothing: the
 * IPAM plugin is in CNI_PATH, the PF (or the pool's libvirt network) resolves, and a VF is free for the mode in the
 * record as ADD would see it (holders whose netns is gone count as free: ADD reconciles them first). Then the IPAM
 * plugin's STATUS, when it speaks 1.1.0. Any "no" is error 50 with the reason ADD would give.
 */
final class CniStatus {

    private CniStatus() {
    }

    static void status(CniEnv env, NetConf conf, CniHost where, byte[] config) {
        try {
            Optional<Path> ipam = conf.ipamType().map(env::find);
            AllocationRecord record;
            try (StateStore.Session session = where.store().openForReading(where.lockTimeout())) {
                record = session.record();
            }
            HostInventory inventory = where.host().inventory();
            record = Reconciler.reconcileContainers(where.host().actions(), record, inventory, false).record();
            ContainerVfs.Pick pick = CniPlugin.pick(conf, where, inventory, record);
            if (pick.pf().netdev() == null) {
                throw new CniError(CniError.UNKNOWN_PF, "PF " + pick.pf().address() + " has no netdev to configure its VFs through", "bind it to its kernel driver");
            }
            if (ipam.isPresent() && Ipam.supports(ipam.get(), NetConf.LATEST)) {
                Ipam.run(ipam.get(), "STATUS", env, config);
            }
        } catch (CniError e) {
            throw e.code() == CniError.TRY_AGAIN_LATER ? e : notAvailable(conf, e.getMessage(), e.details());
        } catch (VirtwireException e) {
            CniError c = CniError.of(e, null);
            throw c.code() == CniError.TRY_AGAIN_LATER ? c : notAvailable(conf, e.getMessage(), null);
        }
    }

    private static CniError notAvailable(NetConf conf, String why, String details) {
        return new CniError(CniError.NOT_AVAILABLE, "network " + conf.name() + " cannot take an ADD now: " + why, details);
    }
}
