package io.virtwire.provisioner.hook;

import io.virtwire.provisioner.VirtwireException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the qemu hook script. libvirt >= 6.5 runs every executable in {@code hooks/qemu.d/} (after the main
 * {@code hooks/qemu}), so virtwire installs {@code qemu.d/virtwire} there and leaves other hooks alone; older
 * versions only run {@code hooks/qemu}, which virtwire then owns (an existing foreign script is not overwritten).
 * The script passes prepare and release (and unknown operations, to report them) to {@code virtwire hook qemu} under
 * {@code timeout}, and answers the operations virtwire ignores itself, so a domain start costs one JVM start per
 * handled operation, and none for a domain without anything of virtwire's ({@link #script}). libvirtd reads the hooks directory when it starts and on SIGHUP.
 */
public final class HookInstaller {

    public static final String MARKER = "# virtwire qemu hook";
    public static final int QEMU_D_SINCE = 6_005_000;
    /** Upper bound for one hook call, so a stuck lock or host can never hang libvirtd's start/stop forever. */
    public static final int TIMEOUT_SECONDS = 60;

    /** Where the script went and what it runs. */
    public record Installed(String path, String layout, String launcher, String stateDir, String hostRoot, String forwarder, boolean changed,
                            String note) {
    }

    /** "libvirtd (libvirt) 9.0.0" -> 9000000 (libvirt's own encoding: major * 1,000,000 + minor * 1,000 + micro). */
    public static long parseVersion(String text) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(text);
        if (!m.find()) {
            throw VirtwireException.invalid("cannot read a libvirt version from '" + text.strip() + "': expected e.g. 9.0.0");
        }
        return Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)) * 1_000 + (m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
    }

    /**
     * {@code forwarder}: the forwarder's control socket, fixed in the script since libvirtd's environment has no
     * VIRTWIRE_FORWARDER_SOCK.
     * <p>The script starts no JVM for a domain virtwire cannot hold anything of (most domains of a host, at every
     * start and stop): prepare acts only on the XML's hostdev and vhost-user interfaces, release only on the record's
     * allocations of the domain. So it runs {@code virtwire hook qemu} when the XML mentions vhostuser, hostdev or vdpa
     * anywhere, or the record names the domain (a quoted substring match), or it cannot tell (record unreadable, a
     * name JSON would escape), and exits 0 otherwise. A false positive costs one JVM start, never a missed action.
     */
    public static String script(Path launcher, Path stateDir, Path hostRoot, Path forwarder) {
        String ignored = String.join("|", QemuHook.IGNORED.stream().sorted().toList());
        String record = stateDir.resolve(io.virtwire.provisioner.state.StateStore.RECORD).toString();
        return "#!/bin/sh\n"
                + MARKER + " (written by 'virtwire hook install'; remove with 'virtwire hook uninstall')\n"
                + "# libvirt runs it as: qemu DOMAIN OP SUBOP EXTRA, the domain XML on stdin. It must not call libvirt.\n"
                + "case \"$2\" in\n"
                + "  " + ignored + ") exit 0 ;;\n"
                + "esac\n"
                + "# no JVM for a domain without anything of virtwire's: no vhostuser/hostdev/vdpa in its XML and not named in\n"
                + "# the allocation record (when unsure, virtwire decides)\n"
                + "xml=\"$(cat)\"\n"
                + "case \"$2\" in\n"
                + "  prepare|release)\n"
                + "    case \"$xml\" in\n"
                + "      *vhostuser*|*hostdev*|*vdpa*) ;;\n"
                + "      *)\n"
                + "        case \"$1\" in\n"
                + "          *'\"'*|*'\\'*) ;;\n"
                + "          *) record=" + quote(record) + "\n"
                + "             if [ ! -e \"$record\" ] || { [ -r \"$record\" ] && ! grep -qF -- \"\\\"$1\\\"\" \"$record\"; }; then exit 0; fi ;;\n"
                + "        esac ;;\n"
                + "    esac ;;\n"
                + "esac\n"
                + "exec timeout -k 5 " + TIMEOUT_SECONDS + " " + quote(launcher.toString()) + " --state-dir " + quote(stateDir.toString())
                + " --host-root " + quote(hostRoot.toString()) + " --forwarder " + quote(forwarder.toString()) + " hook qemu \"$@\" <<VIRTWIRE_DOMAIN_XML\n"
                + "$xml\n"
                + "VIRTWIRE_DOMAIN_XML\n";
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    public Installed install(Path hooksDir, long libvirtVersion, Path launcher, Path stateDir, Path hostRoot, Path forwarder) {
        boolean qemuD = libvirtVersion >= QEMU_D_SINCE;
        Path target = qemuD ? hooksDir.resolve("qemu.d").resolve("virtwire") : hooksDir.resolve("qemu");
        String content = script(launcher, stateDir, hostRoot, forwarder);
        try {
            if (Files.exists(target)) {
                String existing = Files.readString(target, StandardCharsets.UTF_8);
                if (!existing.contains(MARKER)) {
                    throw VirtwireException.conflict(target + " exists and is not virtwire's: libvirt " + version(libvirtVersion)
                            + " runs only that one qemu hook; merge it by hand (call " + launcher + " hook qemu \"$@\" from it) or move it away");
                }
                if (existing.equals(content)) {
                    return new Installed(target.toString(), qemuD ? "qemu.d" : "qemu", launcher.toString(), stateDir.toString(),
                            hostRoot.toString(), forwarder.toString(), false, "already installed");
                }
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot install the hook at " + target + ": " + e, e);
        }
        return new Installed(target.toString(), qemuD ? "qemu.d" : "qemu", launcher.toString(), stateDir.toString(), hostRoot.toString(), forwarder.toString(), true,
                "libvirtd reads hooks when it starts and on SIGHUP: restart it (systemctl restart libvirtd) or 'kill -HUP $(pidof libvirtd)'"
                        + " (hook install --reload does the latter)");
    }

    /** Removes virtwire's script from either place; a foreign script is left alone. */
    public java.util.List<String> uninstall(Path hooksDir) {
        java.util.List<String> removed = new java.util.ArrayList<>();
        for (Path p : java.util.List.of(hooksDir.resolve("qemu.d").resolve("virtwire"), hooksDir.resolve("qemu"))) {
            try {
                if (Files.isRegularFile(p) && Files.readString(p, StandardCharsets.UTF_8).contains(MARKER)) {
                    Files.delete(p);
                    removed.add(p.toString());
                }
            } catch (IOException e) {
                throw new VirtwireException(VirtwireException.Kind.HOST, "cannot remove " + p + ": " + e, e);
            }
        }
        return removed;
    }

    private static String version(long v) {
        return v / 1_000_000 + "." + v / 1_000 % 1_000 + "." + v % 1_000;
    }
}
