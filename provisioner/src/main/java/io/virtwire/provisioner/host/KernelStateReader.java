package io.virtwire.provisioner.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Reads {@link KernelState} under {@link HostPaths}: os-release, the boot loader's config, modules and virtwire's files. */
final class KernelStateReader {

    /** Modules whose parameters are worth showing even before a profile names them (interrupt remapping, seed 000). */
    private static final List<String> PARAMETERS_OF_INTEREST = List.of("vfio_iommu_type1", "vfio_pci", "vfio");

    private final HostPaths paths;

    KernelStateReader(HostPaths paths) {
        this.paths = paths;
    }

    KernelState read(String release) {
        Map<String, String> osRelease = osRelease();
        String id = osRelease.getOrDefault("ID", "");
        String like = osRelease.getOrDefault("ID_LIKE", "");
        Set<String> family = new HashSet<>(List.of((id + " " + like).strip().split("\\s+")));
        String loader;
        String note;
        String where = osRelease.isEmpty() ? "no /etc/os-release" : "/etc/os-release ID=" + id + (like.isEmpty() ? "" : " ID_LIKE=\"" + like + "\"");
        if (family.contains("debian") || family.contains("ubuntu") || Files.isRegularFile(paths.resolve("/etc/debian_version"))) {
            loader = KernelState.GRUB_DEBIAN;
            note = where + ": Debian family, GRUB configured by /etc/default/grub and /etc/default/grub.d/*.cfg, written by update-grub";
        } else if (family.contains("rhel") || family.contains("fedora") || family.contains("centos")
                || Files.isRegularFile(paths.resolve("/etc/redhat-release"))) {
            loader = KernelState.GRUBBY;
            note = where + ": RHEL family, kernel arguments set with grubby --update-kernel=ALL";
        } else {
            loader = null;
            note = where + ": neither Debian/Ubuntu (update-grub) nor the RHEL family (grubby); virtwire does not know how this host's "
                    + "boot loader takes kernel parameters";
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (String f : KernelState.OWN_FILES) {
            rawRead(paths.resolve(f)).ifPresent(c -> files.put(f, c));
        }
        Set<String> loaded = loadedModules();
        Map<String, Map<String, String>> params = new LinkedHashMap<>();
        Set<String> interest = new TreeSet<>(PARAMETERS_OF_INTEREST);
        String options = files.getOrDefault(KernelState.MODPROBE_OPTIONS, "");
        options.lines().map(String::strip).filter(l -> l.startsWith("options ")).map(l -> l.split("\\s+")).filter(w -> w.length > 1)
                .forEach(w -> interest.add(KernelState.moduleKey(w[1])));
        for (String m : interest) {
            Path dir = paths.resolve("/sys/module/" + m + "/parameters");
            Map<String, String> values = new LinkedHashMap<>();
            for (String p : paths.list(dir)) {
                paths.read(dir.resolve(p)).ifPresent(v -> values.put(p, v));
            }
            if (!values.isEmpty()) {
                params.put(m, values);
            }
        }
        return new KernelState(osRelease.getOrDefault("PRETTY_NAME", osRelease.get("ID")), loader, note, nextBoot(loader, release),
                List.copyOf(new TreeSet<>(loaded)), files, availableModules(release), params, interruptRemapping());
    }

    /** Intel VT-d: ecap bit 3 (IR) of any DMAR unit, unless the command line turned it off. */
    private Boolean interruptRemapping() {
        List<String> cmdline = paths.read(paths.resolve("/proc/cmdline")).map(s -> List.of(s.split("\\s+"))).orElse(List.of());
        Boolean supported = null;
        for (String unit : paths.list(paths.resolve("/sys/class/iommu"))) {
            Optional<String> ecap = paths.read(paths.resolve("/sys/class/iommu/" + unit + "/intel-iommu/ecap"));
            if (ecap.isPresent()) {
                try {
                    boolean ir = (Long.parseLong(ecap.get().strip(), 16) & 0x8) != 0;
                    supported = Boolean.TRUE.equals(supported) || ir;
                } catch (NumberFormatException e) {
                    // unreadable register: leave unknown
                }
            }
        }
        if (supported == null) {
            return null;
        }
        return supported && !cmdline.contains("intremap=off") && !cmdline.contains("nointremap");
    }

    private Map<String, String> osRelease() {
        Map<String, String> out = new LinkedHashMap<>();
        Optional<String> text = paths.read(paths.resolve("/etc/os-release")).or(() -> paths.read(paths.resolve("/usr/lib/os-release")));
        text.ifPresent(t -> t.lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0 && !l.startsWith("#")) {
                out.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip().replaceAll("^[\"']|[\"']$", ""));
            }
        }));
        return out;
    }

    /** What the boot loader will pass next time, without the image path GRUB adds as BOOT_IMAGE. */
    private String nextBoot(String loader, String release) {
        if (KernelState.GRUB_DEBIAN.equals(loader)) {
            Optional<String> cfg = paths.read(paths.resolve("/boot/grub/grub.cfg"));
            if (cfg.isPresent()) {
                for (String l : cfg.get().lines().map(String::strip).toList()) {
                    if (l.startsWith("linux ") || l.startsWith("linux\t")) {
                        String[] w = l.split("\\s+", 3);
                        return w.length > 2 ? w[2].strip() : "";
                    }
                }
            }
            return null;
        }
        if (KernelState.GRUBBY.equals(loader)) {
            Path entries = paths.resolve("/boot/loader/entries");
            String first = null;
            for (String e : paths.list(entries)) {
                Optional<String> text = paths.read(entries.resolve(e));
                if (text.isEmpty()) {
                    continue;
                }
                String options = null;
                boolean running = false;
                for (String l : text.get().lines().map(String::strip).toList()) {
                    if (l.startsWith("options ")) {
                        options = l.substring(8).strip();
                    } else if (l.startsWith("linux ") && release != null && l.contains(release)) {
                        running = true;
                    }
                }
                if (options != null && running) {
                    return expandGrubenv(options);
                }
                first = first == null ? options : first;
            }
            return first == null ? null : expandGrubenv(first);
        }
        return null;
    }

    /**
     * RHEL 8's BLS entries say "options $kernelopts $tuned_params": the arguments live in /boot/grub2/grubenv.
     * Variables that grubenv does not define (tuned's, when tuned is not used) are empty, as in GRUB.
     */
    private String expandGrubenv(String options) {
        if (!options.contains("$")) {
            return options;
        }
        Map<String, String> env = new LinkedHashMap<>();
        paths.read(paths.resolve("/boot/grub2/grubenv")).ifPresent(t -> t.lines().filter(l -> !l.startsWith("#") && l.contains("="))
                .forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1))));
        List<String> out = new ArrayList<>();
        for (String w : options.split("\\s+")) {
            if (w.startsWith("$")) {
                String v = env.getOrDefault(w.substring(1).replace("{", "").replace("}", ""), "").strip();
                if (!v.isEmpty()) {
                    out.add(v);
                }
            } else {
                out.add(w);
            }
        }
        return String.join(" ", out);
    }

    private Set<String> loadedModules() {
        Set<String> out = new HashSet<>();
        paths.read(paths.resolve("/proc/modules")).ifPresent(t -> t.lines().map(l -> l.split("\\s+")[0]).filter(s -> !s.isEmpty())
                .forEach(m -> out.add(KernelState.moduleKey(m))));
        // /sys/module/M/initstate exists for loadable modules that are live; builtins with parameters have no initstate
        for (String m : paths.list(paths.resolve("/sys/module"))) {
            if (Files.exists(paths.resolve("/sys/module/" + m + "/initstate"))) {
                out.add(KernelState.moduleKey(m));
            }
        }
        // a driver directory exists only while its module is loaded (or built in)
        for (String d : paths.list(paths.resolve("/sys/bus/pci/drivers"))) {
            out.add(KernelState.moduleKey(d));
        }
        for (String d : paths.list(paths.resolve("/sys/bus/vdpa/drivers"))) {
            out.add(KernelState.moduleKey(d));
        }
        return out;
    }

    private Set<String> availableModules(String release) {
        if (release == null) {
            return null;
        }
        Path dir = paths.resolve("/lib/modules/" + release);
        Optional<String> dep = paths.read(dir.resolve("modules.dep"));
        Optional<String> builtin = paths.read(dir.resolve("modules.builtin"));
        if (dep.isEmpty() && builtin.isEmpty()) {
            return null;
        }
        Set<String> out = new HashSet<>();
        for (String text : List.of(dep.orElse(""), builtin.orElse(""))) {
            for (String l : text.lines().toList()) {
                String file = l.split(":", 2)[0].strip();
                if (file.isEmpty()) {
                    continue;
                }
                String base = file.substring(file.lastIndexOf('/') + 1);
                int ko = base.indexOf(".ko");
                out.add(KernelState.moduleKey(ko < 0 ? base : base.substring(0, ko)));
            }
        }
        return out;
    }

    /** Config files keep their exact bytes (HostPaths.read strips), so an unchanged file compares equal. */
    private static Optional<String> rawRead(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
