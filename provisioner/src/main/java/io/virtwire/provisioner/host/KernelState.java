package io.virtwire.provisioner.host;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How this host boots and which modules it has: what the kernel section of a host profile changes.
 *
 * @param os               /etc/os-release PRETTY_NAME (or ID), null when absent
 * @param bootLoader       {@link #GRUB_DEBIAN} (a drop-in in /etc/default/grub.d + update-grub), {@link #GRUBBY} (RHEL family),
 *                         or null when virtwire cannot tell (bootLoaderNote says why)
 * @param bootLoaderNote   what the detection rests on
 * @param nextBootCmdline  the parameters the next boot will get as the boot loader's config has them (first linux line of
 *                         /boot/grub/grub.cfg, or the BLS entry of the running kernel), null when unreadable
 * @param loadedModules    modules loaded now (/proc/modules, /sys/module, or a driver directory they create), '_' spelling
 * @param files            virtwire's own configuration files under /etc and their content (absent files are not listed)
 * @param availableModules every module this kernel can load (modules.dep + modules.builtin, '_' spelling); null when
 *                         /lib/modules/RELEASE is not there to check names against
 * @param moduleParameters current values of module parameters (/sys/module/M/parameters/P) of the modules virtwire configures
 * @param interruptRemapping whether the IOMMU remaps interrupts (Intel: ecap bit 3 of /sys/class/iommu/dmar*, and no
 *                         intremap=off / nointremap), which VFIO wants unless vfio_iommu_type1 allow_unsafe_interrupts=1;
 *                         null when it cannot be read (IOMMU off, or not Intel)
 */
public record KernelState(String os, String bootLoader, String bootLoaderNote, String nextBootCmdline, List<String> loadedModules,
                          Map<String, String> files, @JsonIgnore Set<String> availableModules,
                          Map<String, Map<String, String>> moduleParameters, Boolean interruptRemapping) {

    public static final String GRUB_DEBIAN = "grub-debian";
    public static final String GRUBBY = "grubby";

    public static final String GRUB_DROP_IN = "/etc/default/grub.d/virtwire.cfg";
    public static final String MODULES_LOAD = "/etc/modules-load.d/virtwire.conf";
    public static final String MODPROBE_OPTIONS = "/etc/modprobe.d/virtwire.conf";
    public static final String RESERVATIONS = "/etc/virtwire/reserved-devices.conf";
    public static final List<String> OWN_FILES = List.of(GRUB_DROP_IN, MODULES_LOAD, MODPROBE_OPTIONS, RESERVATIONS);

    /** modprobe treats '-' and '_' alike; /sys/module uses '_'. */
    public static String moduleKey(String name) {
        return name.replace('-', '_').toLowerCase(Locale.ROOT);
    }

    public boolean loaded(String module) {
        return loadedModules.contains(moduleKey(module));
    }

    /** Unknown (true) when the module list could not be read. */
    public boolean available(String module) {
        return availableModules == null || availableModules.contains(moduleKey(module));
    }

    /** vfio_iommu_type1's allow_unsafe_interrupts as the loaded module has it (Y/1), false when not loaded or unset. */
    public boolean unsafeInterruptsAllowed() {
        String v = moduleParameters.getOrDefault("vfio_iommu_type1", Map.of()).get("allow_unsafe_interrupts");
        return "Y".equals(v) || "1".equals(v);
    }

    public String file(String hostPath) {
        return files.get(hostPath);
    }
}
