package io.virtwire.provisioner.host.profile;

import io.virtwire.provisioner.host.CommandRunner;
import io.virtwire.provisioner.host.CommandException;
import io.virtwire.provisioner.host.HostPaths;
import io.virtwire.provisioner.model.PciAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** The real host: sysfs writes under {@link HostPaths} and ip/devlink/vdpa through the {@link CommandRunner}. */
public final class SysfsHostActions implements HostActions {

    private final HostPaths paths;
    private final CommandRunner commands;

    public SysfsHostActions(HostPaths paths, CommandRunner commands) {
        this.paths = paths;
        this.commands = commands;
    }

    @Override
    public void setNumVfs(PciAddress pf, int numVfs) {
        write(paths.pciDevice(pf).resolve("sriov_numvfs"), String.valueOf(numVfs));
    }

    @Override
    public void setVfMac(String pfNetdev, int vf, String mac) {
        run("ip", "link", "set", pfNetdev, "vf", String.valueOf(vf), "mac", mac);
    }

    @Override
    public void setVfVlan(String pfNetdev, int vf, int vlan, int qos) {
        run("ip", "link", "set", pfNetdev, "vf", String.valueOf(vf), "vlan", String.valueOf(vlan), "qos", String.valueOf(qos));
    }

    @Override
    public void setVfTrust(String pfNetdev, int vf, boolean on) {
        run("ip", "link", "set", pfNetdev, "vf", String.valueOf(vf), "trust", on ? "on" : "off");
    }

    @Override
    public void setVfSpoofchk(String pfNetdev, int vf, boolean on) {
        run("ip", "link", "set", pfNetdev, "vf", String.valueOf(vf), "spoofchk", on ? "on" : "off");
    }

    @Override
    public void setEswitchMode(PciAddress pf, String mode) {
        run("devlink", "dev", "eswitch", "set", "pci/" + pf, "mode", mode);
    }

    @Override
    public void overrideDriver(PciAddress device, String driver) {
        write(paths.pciDevice(device).resolve("driver_override"), driver == null ? "\n" : driver);
    }

    @Override
    public void unbind(PciAddress device) {
        write(paths.pciDevice(device).resolve("driver").resolve("unbind"), device.toString());
    }

    @Override
    public void probe(PciAddress device) {
        write(paths.resolve("/sys/bus/pci/drivers_probe"), device.toString());
    }

    @Override
    public void addVdpaDevice(String name, String mgmtdev, String mac, Integer maxVqPairs) {
        List<String> argv = new ArrayList<>(List.of("vdpa", "dev", "add", "name", name, "mgmtdev", mgmtdev));
        if (mac != null) {
            argv.addAll(List.of("mac", mac));
        }
        if (maxVqPairs != null) {
            argv.addAll(List.of("max_vqp", String.valueOf(maxVqPairs)));
        }
        run(argv.toArray(String[]::new));
    }

    @Override
    public void deleteVdpaDevice(String name) {
        run("vdpa", "dev", "del", name);
    }

    @Override
    public void setHugepages(String size, Integer node, long count) {
        String dir = node == null ? "/sys/kernel/mm/hugepages/hugepages-" + size
                : "/sys/devices/system/node/node" + node + "/hugepages/hugepages-" + size;
        write(paths.resolve(dir + "/nr_hugepages"), String.valueOf(count));
    }

    @Override
    public void writeFile(String hostPath, String content) {
        Path file = paths.resolve(hostPath);
        try {
            if (content == null) {
                Files.deleteIfExists(file);
                return;
            }
            Files.createDirectories(file.getParent());
            // a unique temp name next to it, then rename: a crash leaves the old file or the new one, never half of one
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new HostActionException("EIO", "writing " + hostPath + ": " + e.getMessage());
        }
    }

    @Override
    public void loadModule(String module) {
        run("modprobe", module);
    }

    @Override
    public void unloadModule(String module) {
        run("modprobe", "-r", module);
    }

    @Override
    public void updateGrub() {
        run("update-grub");
    }

    @Override
    public void grubby(List<String> add, List<String> remove) {
        List<String> argv = new ArrayList<>(List.of("grubby", "--update-kernel=ALL"));
        if (!add.isEmpty()) {
            argv.add("--args=" + String.join(" ", add));
        }
        if (!remove.isEmpty()) {
            argv.add("--remove-args=" + String.join(" ", remove));
        }
        run(argv.toArray(String[]::new));
    }

    private void write(Path file, String value) {
        try {
            // WRITE|TRUNCATE_EXISTING like the shell's "echo >": sysfs attributes are never created
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new HostActionException("ENOENT", "echo " + value.strip() + " > " + paths.display(file) + ": No such file or directory");
        } catch (IOException e) {
            // The JDK puts strerror() in the message ("Cannot allocate memory"), which is what users search for
            throw new HostActionException("EIO", "echo " + value.strip() + " > " + paths.display(file) + ": write error: " + e.getMessage());
        }
    }

    private void run(String... argv) {
        try {
            commands.run(List.of(argv));
        } catch (CommandException e) {
            throw new HostActionException("EIO", e.getMessage());
        }
    }
}
