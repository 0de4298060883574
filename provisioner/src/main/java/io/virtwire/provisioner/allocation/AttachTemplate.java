package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.nic.DeviceChange;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.StateStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The one allocate → configure → attach → roll back order every device kind goes through, under the state lock:
 * <ol>
 *   <li>the step's checks and pick ({@link DeviceStep#plan}) have run: nothing is changed yet;</li>
 *   <li>the entry is saved as {@code pending};</li>
 *   <li>the host is changed ({@link HostChange#apply}); on failure it is undone and the entry dropped;</li>
 *   <li>libvirt attaches; on failure the host change is undone and the entry dropped, and the error says so;</li>
 *   <li>the entry is marked {@code held}.</li>
 * </ol>
 * A crash between 2 and 5 leaves a pending entry that the next run's reconciliation completes (libvirt has the
 * device) or rolls back (it has not).
 */
final class AttachTemplate {

    private AttachTemplate() {
    }

    /** Runs {@code plan}; {@code notes} are the run's notes so far (reconciliation), added to the answer. */
    static <R extends DeviceChange<R>> R run(AttachRun run, AttachPlan<R> plan, List<String> notes, boolean printOnly) {
        List<String> all = new ArrayList<>(notes);
        all.addAll(plan.notes());
        if (printOnly) {
            R preview = plan.attach().run(true);
            all.addAll(plan.host().preview());
            return preview.withAllocation(plan.pending(), all);
        }
        StateStore.Session session = run.session();
        session.save(session.record().with(plan.pending()));
        List<String> done;
        try {
            done = plan.host().apply();
        } catch (RuntimeException e) {
            throw failure(e, VirtwireException.Kind.HOST, "configuring " + plan.host().what() + " failed: ",
                    "; rolled back: " + rollBack(session, plan) + "; nothing was attached");
        }
        R change;
        try {
            change = plan.attach().run(false);
        } catch (RuntimeException e) {
            throw failure(e, VirtwireException.Kind.LIBVIRT, "attaching " + plan.device() + " to '" + run.domainName() + "' failed: ",
                    "; rolled back: " + rollBack(session, plan));
        }
        all.addAll(done);
        String noun = change instanceof HostdevChange ? "PCI device" : "NIC";
        return change.withAllocation(finish(session, plan.pending(), run.domainName(), noun, all), all);
    }

    /** Undoes the host change and drops the entry; says what happened (never throws: the caller reports the cause). */
    private static String rollBack(StateStore.Session session, AttachPlan<?> plan) {
        String undone = plan.host().undo();
        String released;
        try {
            session.save(session.record().without(plan.pending().device()));
            released = "released " + plan.released() + " in the record";
        } catch (VirtwireException e) {
            // libvirt does not have it: the pending entry left on disk is rolled back by the next command's reconciliation
            released = "the record still lists " + plan.pending().device() + " as pending (" + e.getMessage()
                    + "), the next virtwire command releases it";
        }
        return undone.isEmpty() ? released : undone + " and " + released;
    }

    /**
     * Marks the entry held once libvirt has the device. From here the attach has happened: a failing save (a full disk)
     * must not turn it into a failure, or an operator who retries gets a second device. The pending entry already on
     * disk is enough for the next command's reconciliation, which sees libvirt holding the device and completes it;
     * the answer says so in a warning.
     */
    private static Allocation finish(StateStore.Session session, Allocation pending, String domain, String noun, List<String> notes) {
        Allocation done = pending.held(domain);
        try {
            session.save(session.record().with(done));
        } catch (VirtwireException e) {
            notes.add(AllocationService.WARNING + "the " + noun + " is attached (libvirt has " + pending.device() + " in '" + domain
                    + "'), but the allocation record could not be updated (" + e.getMessage() + "): it still says pending, and the next"
                    + " virtwire command completes it from what libvirt shows; do not attach again (free space in " + session.storeDir()
                    + ", then run 'virtwire vf list')");
        }
        return done;
    }

    private static VirtwireException failure(RuntimeException e, VirtwireException.Kind otherwise, String prefix, String suffix) {
        VirtwireException.Kind kind = e instanceof VirtwireException ve ? ve.kind() : otherwise;
        return new VirtwireException(kind, prefix + e.getMessage() + suffix, e);
    }
}
