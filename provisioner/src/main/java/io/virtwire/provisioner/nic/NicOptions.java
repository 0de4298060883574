package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.TypedInterface;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * virsh attach-interface's decorations of a NIC: {@code --model}, {@code --target}, {@code --alias} and
 * {@code --managed}, checked here (before libvirt is asked) and written into the interface the request builds.
 *
 * @param managed hostdev only: empty keeps virtwire's default (managed='yes'), false leaves the attribute out
 */
public record NicOptions(Optional<String> model, Optional<String> target, Optional<String> alias, Optional<Boolean> managed) {

    public static final NicOptions NONE = new NicOptions(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** libvirt's schema for {@code <model type>}. */
    private static final Pattern MODEL = Pattern.compile("[a-zA-Z0-9_-]+");
    /** A Linux interface name: 1-15 bytes, no '/', ':' or white space. */
    private static final Pattern TARGET = Pattern.compile("[^/:\\s]{1,15}");
    /** libvirt keeps only user aliases that start with "ua-", and allows letters, digits, '_' and '-' in them. */
    private static final Pattern ALIAS = Pattern.compile("ua-[a-zA-Z0-9_-]+");

    public NicOptions {
        model.ifPresent(m -> {
            if (!MODEL.matcher(m).matches()) {
                throw VirtwireException.invalid("invalid --model '" + m + "': expected a libvirt model name such as virtio, e1000e or rtl8139");
            }
        });
        target.ifPresent(t -> {
            if (!TARGET.matcher(t).matches()) {
                throw VirtwireException.invalid("invalid --target '" + t + "': expected a host interface name of 1-15 characters"
                        + " without '/', ':' or spaces");
            }
            // libvirt silently drops names it would generate itself; refusing them is clearer than losing them
            if (t.startsWith("vnet") || t.startsWith("macvtap") || t.startsWith("macvlan") || t.startsWith("vif")) {
                throw VirtwireException.invalid("--target '" + t + "' uses a prefix libvirt reserves for names it generates"
                        + " (vnet, macvtap, macvlan, vif) and would drop: choose another name");
            }
        });
        alias.ifPresent(a -> {
            if (!ALIAS.matcher(a).matches()) {
                throw VirtwireException.invalid("invalid --alias '" + a + "': a user alias must start with 'ua-' followed by"
                        + " letters, digits, '_' or '-' (libvirt ignores others), e.g. ua-net1");
            }
        });
    }

    public static NicOptions of(String model, String target, String alias, Boolean managed) {
        return new NicOptions(Optional.ofNullable(model), Optional.ofNullable(target), Optional.ofNullable(alias), Optional.ofNullable(managed));
    }

    public boolean isEmpty() {
        return equals(NONE);
    }

    /** {@code --managed} / {@code --no-managed} only mean something for a hostdev interface (the VF's host driver). */
    void check(NicType type) {
        if (managed.isPresent() && type != NicType.hostdev) {
            throw VirtwireException.invalid("--managed and --no-managed apply to hostdev (who binds the VF to vfio-pci), not " + type);
        }
    }

    /** Writes the options into {@code iface} and returns it. */
    GuestInterface applyTo(GuestInterface iface) {
        if (iface instanceof TypedInterface t) {
            model.ifPresent(t::setModelType);
            target.ifPresent(t::setTargetDev);
            alias.ifPresent(t::setAlias);
        }
        if (iface instanceof HostdevInterface h) {
            managed.ifPresent(h::withManaged);
        }
        return iface;
    }
}
