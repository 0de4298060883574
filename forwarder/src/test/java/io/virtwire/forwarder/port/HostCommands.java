package io.virtwire.forwarder.port;

import java.util.concurrent.TimeUnit;

/** Runs ip(8), busybox and friends for the network-namespace tests (they run as root). */
final class HostCommands {

    private HostCommands() {
    }

    /** Runs {@code cmd}; fails the test with its output unless it exits 0 within {@code seconds}. */
    static String run(int seconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + seconds + " s");
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** Runs {@code cmd} and returns its exit code (-1 if it had to be killed): for commands expected to fail. */
    static int exitCode(int seconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Cleanup of something that may not exist: errors are ignored. */
    static void quietly(String... cmd) {
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            // nothing to clean up
        }
    }
}
