package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.state.VfSettings;
import java.util.List;

/** A VF's MAC/VLAN/trust/spoofchk set through its PF, and put back as they were on rollback. */
final class VfSettingsChange implements HostChange {

    private final HostActions actions;
    private final String pfNetdev;
    private final VirtualFunction vf;
    private final VfSettings previous;
    private final VfSettings wanted;

    VfSettingsChange(HostActions actions, String pfNetdev, VirtualFunction vf, VfSettings previous, VfSettings wanted) {
        this.actions = actions;
        this.pfNetdev = pfNetdev;
        this.vf = vf;
        this.previous = previous;
        this.wanted = wanted;
    }

    @Override
    public String what() {
        return "VF " + vf.index() + " (" + vf.address() + ") of " + pfNetdev;
    }

    @Override
    public List<String> apply() {
        return VfSettingsWriter.apply(actions, pfNetdev, vf.index(), previous, wanted).stream().map(c -> "host: " + c).toList();
    }

    @Override
    public String undo() {
        try {
            VfSettingsWriter.apply(actions, pfNetdev, vf.index(), null, previous);
            return "restored VF " + vf.index() + " of " + pfNetdev + " to " + previous;
        } catch (RuntimeException e) {
            return "could not restore VF " + vf.index() + " of " + pfNetdev + " (" + e.getMessage() + ")";
        }
    }

    @Override
    public List<String> preview() {
        return List.of("would set on VF " + vf.index() + " of " + pfNetdev + ": " + wanted);
    }
}
