package io.virtwire.forwarder.telemetry;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.StatsSnapshot;
import io.virtwire.forwarder.runtime.PollWorker;
import io.virtwire.forwarder.switching.SwitchPort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The forwarder's metrics, read when Prometheus scrapes: the {@link StatsSnapshot} that the control API's
 * {@code stats} returns, the ports' {@code port.list} facts (vhost-user sessions), the workers' busy time and the
 * uptime. Nothing is recorded for metrics on the data path; a scrape only reads what the workers count anyway.
 * docs/forwarder.md ("Metrics") lists every metric.
 */
public final class ForwarderCollector implements MultiCollector {

    private final Forwarder forwarder;
    /** Per worker: busy nanoseconds and the time at the previous scrape, for the busy fraction since then. */
    private final Map<String, long[]> lastBusy = new HashMap<>();

    public ForwarderCollector(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    /** One metric family: its data points are added while walking the snapshot, then built at the end. */
    private static final class Family {
        final String name;
        final String help;
        final boolean counter;
        final CounterSnapshot.Builder counters;
        final GaugeSnapshot.Builder gauges;
        int points;

        Family(String name, String help, boolean counter) {
            this.name = name;
            this.help = help;
            this.counter = counter;
            this.counters = counter ? CounterSnapshot.builder().name(name).help(help) : null;
            this.gauges = counter ? null : GaugeSnapshot.builder().name(name).help(help);
        }

        void add(double value, Labels labels) {
            if (counter) {
                counters.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build());
            } else {
                gauges.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build());
            }
            points++;
        }

        MetricSnapshot build() {
            return counter ? counters.build() : gauges.build();
        }
    }

    private final class Families {
        final Map<String, Family> byName = new LinkedHashMap<>();

        Family counter(String name, String help) {
            return byName.computeIfAbsent(name, n -> new Family(n, help, true));
        }

        Family gauge(String name, String help) {
            return byName.computeIfAbsent(name, n -> new Family(n, help, false));
        }
    }

    @Override
    public synchronized MetricSnapshots collect() {
        Families f = new Families();
        long nowMillis = System.currentTimeMillis();
        List<SwitchPort> ports = forwarder.ports();
        Map<String, Object> stats = StatsSnapshot.of(forwarder, ports);
        for (Object o : (List<?>) stats.get("ports")) {
            portMetrics(f, (Map<?, ?>) o);
        }
        for (SwitchPort p : ports) {
            describedMetrics(f, p.name(), p.port().type(), p.port().describe(), p.port().brokenReason() != null);
        }
        Map<?, ?> mac = (Map<?, ?>) stats.get("macTable");
        f.gauge("virtwire_mac_table_entries", "MAC addresses the switch has learned and not yet aged out")
                .add(number(mac.get("entries")), Labels.EMPTY);
        f.counter("virtwire_mac_table_refused_for_space", "MAC addresses not learned because the table was full")
                .add(number(mac.get("refusedForSpace")), Labels.EMPTY);
        long nowNanos = System.nanoTime();
        for (PollWorker w : forwarder.workers()) {
            Labels l = Labels.of("worker", w.name());
            long busy = w.busyNanos();
            f.counter("virtwire_worker_busy_seconds", "Time a poll worker spent in cycles that moved frames;"
                    + " its rate is the busy fraction").add(busy / 1e9, l);
            long[] last = lastBusy.get(w.name());
            double fraction = last == null ? busy / Math.max(1e6, (nowMillis - forwarder.startedMillis()) * 1e6)
                    : (busy - last[0]) / (double) Math.max(1, nowNanos - last[1]);
            lastBusy.put(w.name(), new long[] {busy, nowNanos});
            f.gauge("virtwire_worker_busy_ratio", "Fraction of time a poll worker moved frames since the previous"
                    + " scrape (0..1)").add(Math.min(1, Math.max(0, fraction)), l);
            f.gauge("virtwire_worker_queues", "Receive queues a poll worker polls").add(w.portCount(), l);
        }
        f.gauge("virtwire_uptime_seconds", "Seconds since the forwarder started")
                .add((nowMillis - forwarder.startedMillis()) / 1000.0, Labels.EMPTY);
        f.gauge("virtwire_ports", "Ports the forwarder has").add(ports.size(), Labels.EMPTY);
        List<MetricSnapshot> out = new ArrayList<>();
        for (Family family : f.byName.values()) {
            out.add(family.build());
        }
        return new MetricSnapshots(out);
    }

    private static void portMetrics(Families f, Map<?, ?> port) {
        String name = (String) port.get("name");
        Labels l = Labels.of("port", name);
        traffic(f, "virtwire_port", "received from the port", "sent out through the port", port, l);
        f.counter("virtwire_port_errors", "Errors on the port").add(number(port.get("errors")), l);
        drops(f.counter("virtwire_port_drops", "Frames dropped at the port, by reason"), port, l);
        if (port.get("link") instanceof Map<?, ?> link) {
            f.gauge("virtwire_port_link_up", "1 while the port's link is up (a guest connected with running rings)")
                    .add(Boolean.TRUE.equals(link.get("up")) ? 1 : 0, l);
            f.counter("virtwire_port_link_ups", "Times the port's link came up").add(number(link.get("linkUps")), l);
            Family outage = f.gauge("virtwire_port_last_outage_seconds", "How long the port's last outage lasted"
                    + " (absent before the first one)");
            if (link.get("lastOutageMillis") instanceof Number n && n.longValue() >= 0) {
                outage.add(n.longValue() / 1000.0, l);
            }
            f.gauge("virtwire_port_down_seconds", "How long the port's link has been down now (0 while up)")
                    .add(number(link.get("downForMillis")) / 1000.0, l);
        }
        if (port.get("queues") instanceof List<?> queues) {
            for (Object o : queues) {
                queueMetrics(f, name, (Map<?, ?>) o);
            }
        }
    }

    private static void queueMetrics(Families f, String port, Map<?, ?> q) {
        Labels l = Labels.of("port", port, "queue", String.valueOf(q.get("queue")));
        traffic(f, "virtwire_queue", "received on the queue", "delivered into the queue", q, l);
        drops(f.counter("virtwire_queue_drops", "Frames dropped at the queue, by reason"), q, l);
    }

    /** The frame and byte counters both a port and a queue report; the help says where they crossed. */
    private static void traffic(Families f, String prefix, String received, String sent, Map<?, ?> counts, Labels l) {
        f.counter(prefix + "_rx_packets", "Frames the forwarder " + received).add(number(counts.get("rxPackets")), l);
        f.counter(prefix + "_rx_bytes", "Bytes the forwarder " + received).add(number(counts.get("rxBytes")), l);
        f.counter(prefix + "_tx_packets", "Frames the forwarder " + sent).add(number(counts.get("txPackets")), l);
        f.counter(prefix + "_tx_bytes", "Bytes the forwarder " + sent).add(number(counts.get("txBytes")), l);
    }

    /** One point per reason in the {@code drops} map of a port's or a queue's stats, labelled as theirs plus the reason. */
    private static void drops(Family family, Map<?, ?> counts, Labels l) {
        if (counts.get("drops") instanceof Map<?, ?> d) {
            for (Map.Entry<?, ?> e : d.entrySet()) {
                family.add(number(e.getValue()), l.add("reason", snake(e.getKey().toString())));
            }
        }
    }

    /** Facts of {@code port.list}: vhost-user sessions; a host NIC's per-queue kernel counters. */
    private static void describedMetrics(Families f, String port, String type, Map<String, Object> d, boolean broken) {
        Labels l = Labels.of("port", port);
        f.gauge("virtwire_port_broken", "1 when the port stopped moving frames (a hostile guest); port.list says why")
                .add(broken ? 1 : 0, l);
        if (d.get("sessions") instanceof Number sessions) {
            f.gauge("virtwire_vhost_user_connected", "1 while a vhost-user front-end (QEMU) is connected")
                    .add(Boolean.TRUE.equals(d.get("connected")) ? 1 : 0, l);
            f.counter("virtwire_vhost_user_sessions", "vhost-user sessions served on the port, the current one included")
                    .add(sessions.longValue(), l);
            f.counter("virtwire_vhost_user_reconnects", "vhost-user sessions after the first: front-end reconnects")
                    .add(Math.max(0, sessions.longValue() - 1), l);
        }
        if (d.get("queueStats") instanceof List<?> queues) {
            // AF_PACKET: what the port's rings received and what the kernel dropped before them
            for (Object o : queues) {
                Map<?, ?> q = (Map<?, ?>) o;
                String queue = String.valueOf(q.get("queue"));
                f.counter("virtwire_queue_rx_packets", "Frames the forwarder received on the queue")
                        .add(number(q.get("rxPackets")), Labels.of("port", port, "queue", queue));
                Family drops = f.counter("virtwire_queue_drops", "Frames dropped at the queue, by reason");
                for (Map.Entry<?, ?> e : q.entrySet()) {
                    String key = e.getKey().toString();
                    if (key.endsWith("Drops")) {
                        drops.add(number(e.getValue()), Labels.of("port", port, "queue", queue,
                                "reason", snake(key.substring(0, key.length() - "Drops".length()))));
                    }
                }
            }
        }
        // the type, as an info-style gauge: join on it to group ports by kind
        f.gauge("virtwire_port_info", "1 per port; its type (vhost-user, tap, af-packet) as a label")
                .add(1, Labels.of("port", port, "type", type));
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    /** Drop reasons as label values in one spelling, whether the JSON writes no_buffers or noBuffers. */
    static String snake(String key) {
        return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
