package io.virtwire.forwarder;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checking tool's verdict for tests ({@code systemd-analyze verify}, {@code promtool check metrics}): such tools
 * print a line for each problem, so a clean result is no output at all and exit status 0.
 */
public final class SilentCheck {

    private SilentCheck() {
    }

    /**
     * Runs {@code cmd} with {@code stdin} (null for none) as its input; fails the test with its output, headed by
     * {@code what}, unless it exits 0 within a minute having printed nothing on stdout or stderr.
     */
    public static void assertSilent(List<String> cmd, String stdin, String what) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), what + ": did not finish within 60 s");
        assertEquals("", out.toString(StandardCharsets.UTF_8), what);
        assertEquals(0, p.exitValue(), what);
    }
}
