package io.virtwire.forwarder.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/** Which CPUs this machine has online (/sys/devices/system/cpu/online), to refuse a pin to a CPU that is not there. */
final class Cpus {

    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private Cpus() {
    }

    static void check(List<Integer> cpus) {
        String online = online();
        BitSet set = parse(online);
        for (int i = 0; i < cpus.size(); i++) {
            Integer cpu = cpus.get(i);
            if (cpu == null || cpu < 0) {
                throw new ConfigException("/workerCpus/" + i, "workerCpus[" + i + "] " + cpu
                        + " is not a CPU number (CPUs are numbered from 0; online here: " + online + ")");
            }
            if (set != null && !set.get(cpu)) {
                throw new ConfigException("/workerCpus/" + i, "workerCpus[" + i + "]: CPU " + cpu
                        + " is not online on this machine (online: " + online + ")");
            }
        }
    }

    private static String online() {
        try {
            return Files.readString(ONLINE).strip();
        } catch (IOException e) {
            return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        }
    }

    /** "0-3,8,10-11" as a set; null if it cannot be read (then only negative CPUs are refused). */
    static BitSet parse(String list) {
        BitSet set = new BitSet();
        try {
            for (String part : list.split(",")) {
                String[] r = part.strip().split("-");
                int from = Integer.parseInt(r[0]);
                int to = r.length > 1 ? Integer.parseInt(r[1]) : from;
                set.set(from, to + 1);
            }
            return set;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
