package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderControlClient;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Per-port counters (packets, bytes, drops by reason, errors, link outages), per-queue counters of"
                + " multiqueue vhost-user ports, and the MAC table's size. With --watch: redraw every --interval seconds"
                + " until interrupted, with each port's packet and bit rates since the previous sample"
                + " (JSON: one compact stats object per line).")
public final class ForwarderStatsCommand implements Runnable {

    private static final String CLEAR_SCREEN = "\033[H\033[2J";
    private static final ObjectMapper COMPACT = new ObjectMapper();

    @Option(names = "--port", paramLabel = "NAME", description = "only this port")
    String port;

    @Option(names = "--queues", description = "a row per queue of every port that has queues (vhost-user: one per"
            + " queue pair), with the forwarder worker draining it; without it only multiqueue ports get queue rows")
    boolean perQueue;

    @Option(names = "--watch", description = "redraw every --interval seconds until interrupted")
    boolean watch;

    @Option(names = "--interval", paramLabel = "S", description = "with --watch: seconds between samples (default 1; fractions allowed)")
    double interval = 1;

    @Option(names = "--count", paramLabel = "N", description = "with --watch: stop after N samples (default: until interrupted)")
    Integer count;

    private final ForwarderControlFactory controls;
    private final Output output;
    private final GlobalOptions globals;

    @Inject
    ForwarderStatsCommand(ForwarderControlFactory controls, Output output, GlobalOptions globals) {
        this.controls = controls;
        this.output = output;
        this.globals = globals;
    }

    @Override
    public void run() {
        if (!watch && (count != null || interval != 1)) {
            throw VirtwireException.invalid("--interval and --count only apply with --watch");
        }
        if (!(interval >= 0.05 && interval <= 3600)) {
            throw VirtwireException.invalid("--interval " + interval + " must be seconds between 0.05 and 3600");
        }
        if (count != null && count < 1) {
            throw VirtwireException.invalid("--count " + count + " must be at least 1");
        }
        ForwarderControlClient control = controls.open();
        if (!watch) {
            JsonNode r = control.stats(Optional.ofNullable(port));
            output.emit(r, out -> table(out, r, perQueue));
            return;
        }
        // a terminal gets the screen redrawn; a pipe or a file gets each sample appended under a time stamp
        boolean terminal = !globals.json() && System.console() != null && System.console().isTerminal();
        JsonNode previous = null;
        long previousNanos = 0;
        for (int n = 0; count == null || n < count; n++) {
            if (n > 0) {
                try {
                    Thread.sleep((long) (interval * 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // asked to stop: a normal end for a watch
                    return;
                }
            }
            JsonNode r = control.stats(Optional.ofNullable(port));
            long nanos = System.nanoTime();
            PrintWriter out = output.out();
            if (globals.json()) {
                try {
                    out.println(COMPACT.writeValueAsString(r));
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                out.print(terminal ? CLEAR_SCREEN : "");
                out.println("forwarder stats at " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " (every " + interval + " s)");
                table(out, r, perQueue);
                if (previous != null) {
                    rates(out, previous, r, (nanos - previousNanos) / 1e9);
                }
                out.println();
            }
            out.flush();
            previous = r;
            previousNanos = nanos;
        }
    }

    private static void table(PrintWriter out, JsonNode r, boolean perQueue) {
        TextTable t = new TextTable("Port", "RX pkts", "RX bytes", "TX pkts", "TX bytes", "Drops", "Errors", "Link", "Last outage (ms)");
        for (JsonNode p : r.path("ports")) {
            JsonNode link = p.path("link");
            t.row(p.path("name").asText(), p.path("rxPackets").asLong(), p.path("rxBytes").asLong(), p.path("txPackets").asLong(),
                    p.path("txBytes").asLong(), ForwarderText.sum(p.path("drops")) + drops(p.path("drops")), p.path("errors").asLong(),
                    link.path("up").asBoolean() ? "up" : "down " + link.path("downForMillis").asLong() + " ms",
                    lastOutage(link));
        }
        t.print(out);
        queues(out, r, perQueue);
        JsonNode macs = r.path("macTable");
        out.println("MAC table: " + macs.path("entries").asLong() + " entries" + (macs.path("refusedForSpace").asLong() > 0
                ? ", " + macs.path("refusedForSpace").asLong() + " refused for lack of space" : ""));
    }

    /**
     * One row per queue of each port that has more than one (a single queue's counters are its port's); with
     * {@code --queues} of every port that has queues, and which worker drains each.
     */
    private static void queues(PrintWriter out, JsonNode r, boolean perQueue) {
        TextTable t = perQueue
                ? new TextTable("Port", "Queue", "RX pkts", "RX bytes", "TX pkts", "TX bytes", "Drops", "Worker")
                : new TextTable("Port", "Queue", "RX pkts", "RX bytes", "TX pkts", "TX bytes", "Drops");
        boolean any = false;
        for (JsonNode p : r.path("ports")) {
            if (p.path("queues").size() < (perQueue ? 1 : 2)) {
                continue;
            }
            for (JsonNode q : p.path("queues")) {
                any = true;
                Object[] row = {p.path("name").asText(), q.path("queue").asInt(), q.path("rxPackets").asLong(),
                        q.path("rxBytes").asLong(), q.path("txPackets").asLong(), q.path("txBytes").asLong(),
                        ForwarderText.sum(q.path("drops")) + drops(q.path("drops")), q.path("worker").asText("-")};
                t.row(perQueue ? row : java.util.Arrays.copyOf(row, 7));
            }
        }
        if (any) {
            out.println();
            t.print(out);
        }
    }

    /** Packets and bits per second of each port between two samples (bits: Ethernet frames, no preamble or FCS). */
    private static void rates(PrintWriter out, JsonNode before, JsonNode now, double seconds) {
        java.util.Map<String, JsonNode> earlier = new java.util.HashMap<>();
        before.path("ports").forEach(p -> earlier.put(p.path("name").asText(), p));
        TextTable t = new TextTable("Port", "RX pkt/s", "RX bit/s", "TX pkt/s", "TX bit/s");
        for (JsonNode p : now.path("ports")) {
            JsonNode e = earlier.get(p.path("name").asText());
            if (e == null || seconds <= 0) {
                continue; // added since the last sample: no rate yet
            }
            t.row(p.path("name").asText(),
                    ForwarderText.rate(ForwarderText.delta(e, p, "rxPackets") / seconds),
                    ForwarderText.rate(ForwarderText.delta(e, p, "rxBytes") * 8 / seconds),
                    ForwarderText.rate(ForwarderText.delta(e, p, "txPackets") / seconds),
                    ForwarderText.rate(ForwarderText.delta(e, p, "txBytes") * 8 / seconds));
        }
        out.println();
        out.println("rates over the last " + String.format(java.util.Locale.ROOT, "%.2f", seconds) + " s:");
        t.print(out);
    }

    /** The last outage's length; null before the first one (an older forwarder wrote -1 for that). */
    private static Long lastOutage(JsonNode link) {
        JsonNode n = link.path("lastOutageMillis");
        return n.isNumber() && n.asLong() >= 0 ? n.asLong() : null;
    }

    /** The non-zero drop reasons, e.g. " (noBuffers 3, mtu 1)"; empty when nothing was dropped. */
    private static String drops(JsonNode drops) {
        StringBuilder b = new StringBuilder();
        drops.properties().forEach(e -> {
            if (e.getValue().asLong() > 0) {
                b.append(b.isEmpty() ? " (" : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
            }
        });
        return b.isEmpty() ? "" : b.append(')').toString();
    }
}
