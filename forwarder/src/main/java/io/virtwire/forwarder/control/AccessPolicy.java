package io.virtwire.forwarder.control;

import io.virtwire.linux.PeerCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Who may use the control socket, decided from SO_PEERCRED: root, the daemon's own user, and members of the
 * configured group (primary group, or a supplementary group read from /proc/PID/status). The socket file's mode
 * (0660, group = that group) keeps others out already; this check holds even if the file mode is loosened.
 */
public final class AccessPolicy {

    private final int ownUid;
    private final int groupGid;
    private final String groupName;

    /** @param groupGid -1 for no group */
    public AccessPolicy(int ownUid, int groupGid, String groupName) {
        this.ownUid = ownUid;
        this.groupGid = groupGid;
        this.groupName = groupName;
    }

    public static AccessPolicy forGroup(String groupName) throws IOException {
        int uid = ownUid();
        if (groupName == null) {
            return new AccessPolicy(uid, -1, null);
        }
        OptionalInt gid = gidOf(groupName, Path.of("/etc/group"));
        if (gid.isEmpty()) {
            throw new IllegalArgumentException("control group '" + groupName + "' does not exist in /etc/group;"
                    + " create it (groupadd " + groupName + ") or change controlGroup");
        }
        return new AccessPolicy(uid, gid.getAsInt(), groupName);
    }

    static OptionalInt gidOf(String group, Path etcGroup) throws IOException {
        for (String line : Files.readAllLines(etcGroup)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(group)) {
                return OptionalInt.of(Integer.parseInt(f[2]));
            }
        }
        return OptionalInt.empty();
    }

    static int ownUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]); // effective
            }
        }
        throw new IOException("/proc/self/status has no Uid line");
    }

    public int groupGid() {
        return groupGid;
    }

    /** Null if allowed, else why not (for the error message). */
    public String refusal(PeerCredentials peer) {
        if (peer.uid() == 0 || peer.uid() == ownUid) {
            return null;
        }
        if (groupGid >= 0 && (peer.gid() == groupGid || supplementaryGroups(peer.pid()).contains(groupGid))) {
            return null;
        }
        return "uid " + peer.uid() + " (pid " + peer.pid() + ") may not use the forwarder's control socket: only root"
                + (groupName != null ? " and members of group '" + groupName + "'" : "") + " may";
    }

    private static List<Integer> supplementaryGroups(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    String rest = line.substring(7).trim();
                    return rest.isEmpty() ? List.of()
                            : java.util.Arrays.stream(rest.split("\\s+")).map(Integer::valueOf).toList();
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone: no groups
        }
        return List.of();
    }
}
