package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real less-privileged user, as QEMU runs under libvirt: {@code libvirt-qemu} if it exists, else a system user
 * {@code vw-sfw-test} created for the test and removed by {@link #close()}. Commands run as it through setpriv
 * (its uid, its primary group and its supplementary groups), as root tests must run.
 */
final class UnprivilegedUser implements AutoCloseable {

    static final String CREATED_NAME = "vw-sfw-test";

    final String name;
    final int uid;
    final int gid;
    private final boolean created;

    private UnprivilegedUser(String name, int uid, int gid, boolean created) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.created = created;
    }

    /** The QEMU user; fails loudly (with the install hint) if there is none and none can be created. */
    static UnprivilegedUser qemu() throws Exception {
        Result root = run(List.of("id", "-u"));
        if (!root.out.trim().equals("0")) {
            throw new AssertionError("this integration test needs root (it runs commands as the QEMU user with setpriv)");
        }
        if (run(List.of("setpriv", "--version")).code != 0) {
            throw new AssertionError("setpriv is missing: apt-get install util-linux");
        }
        for (String candidate : List.of("libvirt-qemu", CREATED_NAME)) {
            UnprivilegedUser u = lookUp(candidate, candidate.equals(CREATED_NAME)); // ours from a killed run: removed
            if (u != null) {
                return u;
            }
        }
        Result add = run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", CREATED_NAME));
        UnprivilegedUser u = lookUp(CREATED_NAME, true);
        if (add.code != 0 || u == null) {
            throw new AssertionError("no QEMU user to attack with: there is no libvirt-qemu user (install libvirt:"
                    + " apt-get install libvirt-daemon-system) and useradd --system " + CREATED_NAME + " failed: "
                    + add.out);
        }
        return u;
    }

    private static UnprivilegedUser lookUp(String user, boolean created) throws Exception {
        Result uid = run(List.of("id", "-u", user));
        Result gid = run(List.of("id", "-g", user));
        if (uid.code != 0 || gid.code != 0) {
            return null;
        }
        return new UnprivilegedUser(user, Integer.parseInt(uid.out.trim()), Integer.parseInt(gid.out.trim()), created);
    }

    /** Runs {@code sh -c script} as this user; returns its exit code and output (stdout and stderr). */
    Result sh(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups",
                "sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Runs {@code sh -c script} as another uid in this user's group only (a second QEMU, another guest's). */
    Result shAsOtherGroupMember(int otherUid, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + otherUid, "--regid=" + gid,
                "--clear-groups", "sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    record Result(int code, String out) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        if (created) {
            run(List.of("userdel", CREATED_NAME));
        }
    }
}
