package io.virtwire.provisioner.libvirt;

import io.virtwire.provisioner.VirtwireException;

/**
 * Where a device change applies, as virsh's --config/--live/--current: the persistent definition, the
 * running domain, both, or whichever the domain's state implies (current).
 *
 * @param liveIfRunning virsh's --persistent: the persistent definition, plus the running domain when it runs
 */
public record DeviceScope(boolean config, boolean live, boolean liveIfRunning) {

    public DeviceScope(boolean config, boolean live) {
        this(config, live, false);
    }

    public static final DeviceScope CURRENT = new DeviceScope(false, false);
    public static final DeviceScope CONFIG = new DeviceScope(true, false);
    public static final DeviceScope LIVE = new DeviceScope(false, true);
    public static final DeviceScope BOTH = new DeviceScope(true, true);

    /** From virsh-style flags; --current cannot be combined with the others (virsh rejects it too). */
    public static DeviceScope of(boolean config, boolean live, boolean current) {
        if (current && (config || live)) {
            throw VirtwireException.invalid("--current cannot be combined with --config or --live: pick --current alone, or --config and/or --live");
        }
        return new DeviceScope(config, live);
    }

    public boolean isCurrent() {
        return !config && !live && !liveIfRunning;
    }

    /** virsh's --persistent on top of this scope: config always, live as well when the domain runs. */
    public DeviceScope withLiveIfRunning() {
        return new DeviceScope(true, live, true);
    }

    /** VIR_DOMAIN_AFFECT_* bits. */
    public int flags() {
        return (live ? 1 : 0) | (config ? 2 : 0);
    }

    /** The concrete scope for a domain in the given state (libvirt resolves CURRENT the same way). */
    public DeviceScope resolve(boolean active) {
        if (liveIfRunning) {
            return new DeviceScope(true, live || active);
        }
        return isCurrent() ? (active ? LIVE : CONFIG) : this;
    }

    @Override
    public String toString() {
        if (isCurrent()) {
            return "current";
        }
        if (liveIfRunning && !live) {
            return "persistent";
        }
        return config && live ? "config+live" : config ? "config" : "live";
    }
}
