package io.virtwire.forwarder.runtime;

import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.PortFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Workers run on the CPUs the config names: read back from the kernel's view of each thread. */
class WorkerAffinityTest {

    private static String cpusOf(String threadName) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    if (Files.readString(t.resolve("comm")).trim().equals(threadName)) {
                        for (String line : Files.readAllLines(t.resolve("status"))) {
                            if (line.startsWith("Cpus_allowed_list:")) {
                                String cpus = line.substring(18).trim();
                                if (!cpus.contains("-") && !cpus.contains(",")) {
                                    return cpus; // pinned (the thread pins itself right after starting)
                                }
                            }
                        }
                    }
                }
            }
            Thread.sleep(10);
        }
        return "not pinned";
    }

    @Test
    void eachWorkerIsPinnedToItsConfiguredCpu() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        int second = cpus > 1 ? 1 : 0;
        try (Forwarder f = new Forwarder(Forwarder.Mode.SWITCH, 2, List.of(0, second), Duration.ofMinutes(1),
                new PortFactory(), -1)) {
            assertEquals("0", cpusOf("vw-worker-0"));
            assertEquals(Integer.toString(second), cpusOf("vw-worker-1"));
            assertEquals(2, f.workers().size());
        }
    }
}
