package io.virtwire.provisioner.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.DomainSnapshot;
import io.virtwire.provisioner.libvirt.DomainState;
import io.virtwire.provisioner.nic.HostdevChange;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order every device kind goes through, on its own: pending entry → host change → attach → held entry, and on a
 * failing host change or attach the undo and the dropped entry, in that order, whatever the step.
 */
class AttachTemplateTest {

    private static final String DEVICE = "0000:02:10.0";

    @TempDir
    Path tmp;

    private final List<String> events = new ArrayList<>();

    private AttachRun run(StateStore.Session session) {
        DomainSnapshot domain = new DomainSnapshot(new DomainState("vm1", "u", false, true), "<domain><name>vm1</name></domain>", null);
        return new AttachRun(null, session, domain, DeviceScope.CONFIG, null, null, null);
    }

    private static Allocation pending() {
        return new Allocation("hostdev", DEVICE, "vm1", Allocation.PENDING, "0000:01:00.0", "enp1s0f0", 0, null, null, null, 1L);
    }

    /** A host change that logs its calls and the record's state for the device when it runs. */
    private HostChange host(StateStore.Session session, RuntimeException failure) {
        return new HostChange() {
            @Override
            public String what() {
                return "VF 0 (" + DEVICE + ") of enp1s0f0";
            }

            @Override
            public List<String> apply() {
                events.add("apply, record: " + session.record().find(DEVICE).map(Allocation::state).orElse("none"));
                if (failure != null) {
                    throw failure;
                }
                return List.of("host: set");
            }

            @Override
            public String undo() {
                events.add("undo");
                return "restored VF 0";
            }

            @Override
            public List<String> preview() {
                return List.of("would set");
            }
        };
    }

    private AttachPlan.Attach<HostdevChange> attach(StateStore.Session session, RuntimeException failure) {
        return printOnly -> {
            events.add((printOnly ? "preview" : "attach") + ", record: " + session.record().find(DEVICE).map(Allocation::state).orElse("none"));
            if (failure != null) {
                throw failure;
            }
            return new HostdevChange("attach", "vm1", !printOnly, "config", DEVICE, "<hostdev/>", List.of(), null, null);
        };
    }

    @Test
    void theEntryIsPendingWhileTheHostChangesAndLibvirtAttachesAndHeldAfter() {
        StateStore store = new StateStore(tmp);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            HostdevChange change = AttachTemplate.run(run(s), new AttachPlan<>(pending(), "VF " + DEVICE, DEVICE, host(s, null), attach(s, null),
                    List.of("picked")), List.of("reconciled: x"), false);
            assertEquals(List.of("apply, record: pending", "attach, record: pending"), events);
            assertEquals("held", s.record().find(DEVICE).orElseThrow().state());
            assertEquals("held", change.allocation().state());
            assertEquals(List.of("reconciled: x", "picked", "host: set"), change.notes());
        }
    }

    @Test
    void aRefusedAttachUndoesTheHostChangeAndDropsTheEntry() {
        StateStore store = new StateStore(tmp);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            VirtwireException e = assertThrows(VirtwireException.class, () -> AttachTemplate.run(run(s), new AttachPlan<>(pending(),
                    "VF " + DEVICE, DEVICE, host(s, null), attach(s, new VirtwireException(VirtwireException.Kind.LIBVIRT, "refused")),
                    List.of()), List.of(), false));
            assertEquals(VirtwireException.Kind.LIBVIRT, e.kind());
            assertEquals("attaching VF " + DEVICE + " to 'vm1' failed: refused; rolled back: restored VF 0 and released " + DEVICE
                    + " in the record", e.getMessage());
            assertEquals(List.of("apply, record: pending", "attach, record: pending", "undo"), events);
            assertTrue(s.record().find(DEVICE).isEmpty());
        }
    }

    @Test
    void aFailingHostChangeIsUndoneAndNothingIsAttached() {
        StateStore store = new StateStore(tmp);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            VirtwireException e = assertThrows(VirtwireException.class, () -> AttachTemplate.run(run(s), new AttachPlan<>(pending(),
                    "VF " + DEVICE, DEVICE, host(s, new IllegalStateException("No such device")), attach(s, null), List.of()), List.of(), false));
            assertEquals(VirtwireException.Kind.HOST, e.kind(), "a host error that is not a VirtwireException");
            assertTrue(e.getMessage().startsWith("configuring VF 0 (" + DEVICE + ") of enp1s0f0 failed: No such device; rolled back:")
                    && e.getMessage().endsWith("; nothing was attached"), e.getMessage());
            assertEquals(List.of("apply, record: pending", "undo"), events);
            assertTrue(s.record().find(DEVICE).isEmpty());
        }
    }

    @Test
    void printOnlyPreviewsAndChangesNothing() {
        StateStore store = new StateStore(tmp);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            HostdevChange change = AttachTemplate.run(run(s), new AttachPlan<>(pending(), "VF " + DEVICE, DEVICE, host(s, null),
                    attach(s, null), List.of()), List.of(), true);
            assertEquals(List.of("preview, record: none"), events);
            assertEquals(List.of("would set"), change.notes());
            assertEquals("pending", change.allocation().state());
            assertTrue(s.record().find(DEVICE).isEmpty());
        }
    }
}
