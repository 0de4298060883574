package io.virtwire.provisioner.host;

import java.util.List;

/**
 * Runs iproute2-family tools (ip, devlink, vdpa) for the facts sysfs cannot give and for the writes that have
 * no sysfs file. One interface so tests and fixture hosts replay recorded outputs instead of touching a host.
 */
public interface CommandRunner {

    /** Runs argv and returns its stdout; throws {@link CommandException} when the tool is missing or fails. */
    String run(List<String> argv);

    /** The recorded-output file name for argv: words joined with '_' plus ".json" ("ip_-j_-d_link_show.json"). */
    static String recordingName(List<String> argv) {
        return String.join("_", argv).replace('/', '%') + ".json";
    }
}
