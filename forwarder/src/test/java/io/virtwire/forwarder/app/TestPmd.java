package io.virtwire.forwarder.app;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** dpdk-testpmd in interactive mode, driven over its stdin; statistics read back from its log. */
final class TestPmd implements AutoCloseable {

    private static final Pattern RX = Pattern.compile("RX-packets:\\s+(\\d+)");
    private final Process process;
    private final OutputStream stdin;
    private final Path log;

    private TestPmd(Process process, Path log) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.log = log;
    }

    static Path binary() {
        for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(entry, "dpdk-testpmd");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("dpdk-testpmd is not installed: install Debian's dpdk-dev (scripts/setup does)");
    }

    /** Two virtio-user ports on {@code a} and {@code b}, io forwarding, forwarding lcore 0. */
    static TestPmd virtioUserPair(Path a, Path b, String extraDevArgs, Path log) throws IOException {
        // stdbuf: with stdout in a file testpmd would print its statistics only at exit
        List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", "-eL", binary().toString(), "-l", "0,1", "--main-lcore", "1",
                "--no-pci", "--no-huge", "-m", "1024", "--single-file-segments",
                "--file-prefix", "vwf" + ProcessHandle.current().pid() + "x" + System.nanoTime() % 100000,
                "--vdev", "net_virtio_user0,path=" + a + extraDevArgs,
                "--vdev", "net_virtio_user1,path=" + b + extraDevArgs,
                "--", "-i", "--forward-mode=io"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new TestPmd(p, log);
    }

    void command(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** RX-packets of ports 0 and 1 from a fresh {@code show port stats all}. */
    long[] rxPackets() throws Exception {
        long before = Files.size(log);
        command("show port stats all");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            String fresh = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).substring((int) before);
            Matcher m = RX.matcher(fresh);
            List<Long> values = new ArrayList<>();
            while (m.find()) {
                values.add(Long.parseLong(m.group(1)));
            }
            if (values.size() >= 2) {
                return new long[] {values.get(0), values.get(1)};
            }
        }
        return fail("testpmd printed no port statistics; its log:\n" + tail());
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                command("stop");
                command("quit");
            }
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
