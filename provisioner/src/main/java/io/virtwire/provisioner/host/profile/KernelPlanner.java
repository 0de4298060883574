package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.KernelState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The kernel section of a profile: command line through the distribution's own mechanism (a GRUB drop-in plus
 * update-grub on Debian/Ubuntu, grubby on the RHEL family), modules loaded now and at boot, module options. Steps
 * come in the order that makes them take effect: options before the modprobe that reads them.
 */
final class KernelPlanner {

    /** name or name=value, nothing a shell (the GRUB drop-in is sourced by sh) or the kernel's parser would split. */
    private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*(=[A-Za-z0-9_.,:/+@%=\\-]+)?");
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_\\-]{1,55}");
    private static final Pattern OPTIONS = Pattern.compile("[A-Za-z0-9_.\\-]+=[A-Za-z0-9_.,:/+@%\\-]+( [A-Za-z0-9_.\\-]+=[A-Za-z0-9_.,:/+@%\\-]+)*");
    static final String HEADER = "# Written by virtwire host apply from the host profile (kernel section); edit the profile, not this file.\n";

    private final HostProfile.KernelProfile kernel;
    private final HostInventory inv;
    private final KernelState state;
    /** Modules the profile's devices need though kernel.modules does not list them, with why. */
    private final Map<String, String> implied;

    KernelPlanner(HostProfile.KernelProfile kernel, HostInventory inv, Map<String, String> implied) {
        this.kernel = kernel;
        this.inv = inv;
        this.state = inv.kernel();
        this.implied = implied;
    }

    void validate(List<String> errors) {
        HostProfile.Cmdline c = kernel.cmdline();
        checkParameters("kernel.cmdline.add", c.add(), errors);
        checkParameters("kernel.cmdline.remove", c.remove(), errors);
        for (String a : c.add()) {
            for (String r : c.remove()) {
                if (removes(r, a)) {
                    errors.add("kernel.cmdline: '" + a + "' is in add and '" + r + "' in remove: a parameter is either added or removed; keep it in one list");
                }
            }
        }
        if ((!c.add().isEmpty() || !c.remove().isEmpty()) && state.bootLoader() == null) {
            errors.add("kernel.cmdline: cannot set kernel parameters on this host: " + state.bootLoaderNote()
                    + "; set them in the boot loader by hand and drop kernel.cmdline from the profile");
        }
        for (int i = 0; i < kernel.modules().size(); i++) {
            checkModule("kernel.modules[" + i + "]", kernel.modules().get(i), errors);
        }
        for (Map.Entry<String, String> e : kernel.moduleOptions().entrySet()) {
            checkModule("kernel.moduleOptions." + e.getKey(), e.getKey(), errors);
            if (e.getValue() == null || !OPTIONS.matcher(e.getValue()).matches()) {
                errors.add("kernel.moduleOptions." + e.getKey() + " '" + e.getValue() + "' must be name=value pairs separated by single spaces "
                        + "(e.g. allow_unsafe_interrupts=1)");
            }
        }
        for (Map.Entry<String, String> e : implied.entrySet()) {
            if (!state.loaded(e.getKey()) && !state.available(e.getKey())) {
                errors.add(e.getValue() + " needs module " + e.getKey() + ", which kernel " + inv.kernelRelease() + " does not have (not in /lib/modules/"
                        + inv.kernelRelease() + "/modules.dep): install the kernel's extra modules package (linux-modules-extra-$(uname -r) on Ubuntu)");
            }
        }
    }

    private static void checkParameters(String at, List<String> words, List<String> errors) {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w == null || !PARAMETER.matcher(w).matches()) {
                errors.add(at + "[" + i + "] '" + w + "' is not a kernel parameter: expected name or name=value with no spaces, quotes or shell "
                        + "characters (e.g. intel_iommu=on, iommu=pt, pci=assign-busses)");
            }
        }
    }

    private void checkModule(String at, String name, List<String> errors) {
        if (name == null || !MODULE.matcher(name).matches()) {
            errors.add(at + " '" + name + "' is not a module name (letters, digits, '-' and '_', e.g. vfio-pci)");
        } else if (!state.loaded(name) && !state.available(name)) {
            errors.add(at + ": unknown module '" + name + "': kernel " + inv.kernelRelease() + " has no such module (not in /lib/modules/"
                    + inv.kernelRelease() + "/modules.dep or modules.builtin; 'modinfo " + name + "' fails); check the spelling");
        }
    }

    /** A remove entry takes away the same word, or every value of a bare name (remove: [intel_iommu] drops intel_iommu=off). */
    static boolean removes(String remove, String word) {
        return word.equals(remove) || (remove.indexOf('=') < 0 && word.startsWith(remove + "="));
    }

    // ---- planning ---------------------------------------------------------------------------------------------

    Plan.Boot plan(List<Step> steps) {
        List<String> reasons = new ArrayList<>();
        planModuleOptions(steps, reasons);
        planModules(steps);
        String current = String.join(" ", inv.kernelCmdline());
        String nextBoot = planCmdline(steps);
        for (String a : kernel.cmdline().add()) {
            if (!inv.kernelCmdline().contains(a)) {
                reasons.add("kernel parameter " + a + " is not in /proc/cmdline");
            }
        }
        for (String r : kernel.cmdline().remove()) {
            inv.kernelCmdline().stream().filter(w -> removes(r, w)).forEach(w -> reasons.add("kernel parameter " + w + " is in /proc/cmdline"));
        }
        return new Plan.Boot(!reasons.isEmpty(), reasons, current, nextBoot);
    }

    private void planModuleOptions(List<Step> steps, List<String> reasons) {
        if (kernel.moduleOptions().isEmpty()) {
            return;
        }
        StringBuilder want = new StringBuilder(HEADER);
        kernel.moduleOptions().forEach((m, o) -> want.append("options ").append(KernelState.moduleKey(m)).append(' ').append(o).append('\n'));
        String have = state.file(KernelState.MODPROBE_OPTIONS);
        if (!want.toString().equals(have)) {
            steps.add(new Steps.WriteFile(KernelState.MODPROBE_OPTIONS, have, want.toString()));
        }
        kernel.moduleOptions().forEach((m, o) -> {
            if (!state.loaded(m)) {
                return; // modprobe reads the options when it loads it
            }
            Map<String, String> now = state.moduleParameters().getOrDefault(KernelState.moduleKey(m), Map.of());
            for (String kv : o.split(" ")) {
                String[] p = kv.split("=", 2);
                if (!sameValue(now.get(p[0]), p[1])) {
                    reasons.add(m + " is loaded with " + p[0] + "=" + (now.get(p[0]) == null ? "?" : now.get(p[0])) + "; " + kv
                            + " applies when it is loaded again (reboot, or modprobe -r " + m + " && modprobe " + m + " while no device uses it)");
                }
            }
        });
    }

    /** sysfs shows booleans as Y/N where modprobe.d says 1/0. */
    private static boolean sameValue(String now, String want) {
        if (now == null) {
            return false;
        }
        return now.equals(want) || (now.equals("Y") && (want.equals("1") || want.equalsIgnoreCase("y")))
                || (now.equals("N") && (want.equals("0") || want.equalsIgnoreCase("n")));
    }

    private void planModules(List<Step> steps) {
        Set<String> all = new LinkedHashSet<>(kernel.modules());
        all.addAll(implied.keySet());
        if (all.isEmpty()) {
            return;
        }
        for (String m : all) {
            if (!state.loaded(m)) {
                steps.add(new Steps.LoadModule(m));
            }
        }
        StringBuilder want = new StringBuilder(HEADER);
        all.forEach(m -> want.append(m).append('\n'));
        String have = state.file(KernelState.MODULES_LOAD);
        if (!want.toString().equals(have)) {
            steps.add(new Steps.WriteFile(KernelState.MODULES_LOAD, have, want.toString()));
        }
    }

    /** Adds the boot loader step when its config lacks the profile's parameters; returns the next boot's command line. */
    private String planCmdline(List<Step> steps) {
        HostProfile.Cmdline c = kernel.cmdline();
        String base = state.nextBootCmdline() != null ? state.nextBootCmdline()
                : String.join(" ", inv.kernelCmdline().stream().filter(w -> !w.startsWith("BOOT_IMAGE=")).toList());
        List<String> words = new ArrayList<>(List.of(base.isBlank() ? new String[0] : base.strip().split("\\s+")));
        if (c.add().isEmpty() && c.remove().isEmpty()) {
            return String.join(" ", words);
        }
        List<String> missing = c.add().stream().filter(a -> !words.contains(a)).toList();
        List<String> present = new ArrayList<>();
        for (String r : c.remove()) {
            words.stream().filter(w -> removes(r, w)).forEach(present::add);
        }
        List<String> next = new ArrayList<>(words.stream().filter(w -> c.remove().stream().noneMatch(r -> removes(r, w))).toList());
        missing.forEach(next::add);
        if (KernelState.GRUB_DEBIAN.equals(state.bootLoader())) {
            String want = grubDropIn(c);
            String have = state.file(KernelState.GRUB_DROP_IN);
            boolean configKnown = state.nextBootCmdline() != null;
            if (!want.equals(have) || (configKnown && (!missing.isEmpty() || !present.isEmpty()))) {
                steps.add(new Steps.GrubDropIn(KernelState.GRUB_DROP_IN, have, want,
                        (c.add().isEmpty() ? "" : "adds " + String.join(" ", c.add())) + (c.add().isEmpty() || c.remove().isEmpty() ? "" : ", ")
                                + (c.remove().isEmpty() ? "" : "removes " + String.join(" ", c.remove()))));
            }
        } else if (KernelState.GRUBBY.equals(state.bootLoader()) && (!missing.isEmpty() || !present.isEmpty())) {
            steps.add(new Steps.Grubby(missing, List.copyOf(new LinkedHashSet<>(present))));
        }
        return String.join(" ", next);
    }

    /**
     * grub-mkconfig sources /etc/default/grub and then /etc/default/grub.d/*.cfg with sh, so the drop-in can edit the
     * variables /etc/default/grub set: it drops the removed parameters (and the added ones, so none is doubled) from both,
     * then appends the added ones to GRUB_CMDLINE_LINUX, which every menu entry gets. The function runs in $(...), a
     * subshell, so its variables never reach grub-mkconfig; the function itself is removed after use.
     */
    static String grubDropIn(HostProfile.Cmdline c) {
        List<String> patterns = new ArrayList<>();
        c.remove().forEach(r -> {
            patterns.add(r);
            if (r.indexOf('=') < 0) {
                patterns.add(r + "=*");
            }
        });
        c.add().forEach(patterns::add);
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("fn", "virtwire_drop() { virtwire_r=; for virtwire_w in $1; do case \"$virtwire_w\" in " + String.join("|", patterns)
                + ") ;; *) virtwire_r=\"$virtwire_r $virtwire_w\" ;; esac; done; virtwire_r=\"$virtwire_r $2\"; virtwire_r=\"${virtwire_r# }\"; "
                + "printf '%s' \"${virtwire_r% }\"; unset virtwire_r virtwire_w; }");
        lines.put("linux", "GRUB_CMDLINE_LINUX=\"$(virtwire_drop \"$GRUB_CMDLINE_LINUX\" \"" + String.join(" ", c.add()) + "\")\"");
        lines.put("default", "GRUB_CMDLINE_LINUX_DEFAULT=\"$(virtwire_drop \"$GRUB_CMDLINE_LINUX_DEFAULT\" \"\")\"");
        lines.put("unset", "unset -f virtwire_drop");
        return HEADER + "# grub-mkconfig (update-grub) sources this after /etc/default/grub.\n" + String.join("\n", lines.values()) + "\n";
    }
}
