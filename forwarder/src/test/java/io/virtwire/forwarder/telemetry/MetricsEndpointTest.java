package io.virtwire.forwarder.telemetry;

import io.virtwire.forwarder.SilentCheck;
import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.switching.SwitchPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code metrics: {listen: ...}}: /metrics in the Prometheus text format, read from the same counters as the control
 * API's {@code stats}, and clean for {@code promtool check metrics}.
 */
class MetricsEndpointTest {

    @TempDir
    Path dir;

    @Test
    void theEndpointServesThePortsCountersAsStatsSeesThem() throws Exception {
        try (MetricsDaemon d = MetricsDaemon.start(dir)) {
            d.sendBurst(20, 1);
            SwitchPort vm1 = d.daemon().forwarder().port("vm1");
            SwitchPort vm2 = d.daemon().forwarder().port("vm2");
            // the link monitor samples every 20 ms; on a loaded CI host it may not have run since the guests connected
            d.daemon().forwarder().sampleLinks();
            String text = d.scrape();
            assertEquals(vm1.counters().rxPackets(), value(text, "virtwire_port_rx_packets_total{port=\"vm1\"}"));
            assertTrue(vm1.counters().rxPackets() >= 20, "the frames were counted: " + vm1.counters().rxPackets());
            assertEquals(vm2.counters().txBytes(), value(text, "virtwire_port_tx_bytes_total{port=\"vm2\"}"));
            assertEquals(1, value(text, "virtwire_port_link_up{port=\"vm1\"}"));
            assertEquals(1, value(text, "virtwire_vhost_user_sessions_total{port=\"vm1\"}"));
            assertEquals(0, value(text, "virtwire_vhost_user_reconnects_total{port=\"vm1\"}"));
            assertEquals(1, value(text, "virtwire_mac_table_entries"), "guest 1's address learned (guest 2 sent nothing)");
            assertTrue(text.contains("virtwire_port_drops_total{port=\"vm2\",reason=\"no_buffers\"}"), text);
            assertTrue(text.contains("virtwire_queue_rx_packets_total{port=\"vm1\",queue=\"0\"}"), text);
            assertTrue(text.contains("virtwire_queue_drops_total{port=\"vm2\",queue=\"0\",reason=\"no_buffers\"}"), text);
            assertTrue(text.contains("# HELP virtwire_port_tx_packets_total Frames the forwarder sent out through the port\n")
                    && text.contains("# HELP virtwire_queue_tx_bytes_total Bytes the forwarder delivered into the queue\n"), text);
            assertTrue(text.contains("virtwire_worker_busy_seconds_total{worker=\"vw-worker-0\"}"), text);
            assertTrue(text.contains("virtwire_worker_busy_ratio{worker=\"vw-worker-0\"}"), text);
            assertTrue(text.contains("virtwire_uptime_seconds "), text);
            assertTrue(text.contains("virtwire_port_last_outage_seconds{port=\"vm1\"}"), "the link came up once: " + text);
        }
    }

    @Test
    void promtoolFindsNothingToReport() throws Exception {
        try (MetricsDaemon d = MetricsDaemon.start(dir)) {
            d.sendBurst(5, 1);
            String text = d.scrape();
            Path promtool = Path.of("/usr/bin/promtool");
            assertTrue(Files.isExecutable(promtool), "promtool is missing: apt-get install prometheus (scripts/setup)");
            SilentCheck.assertSilent(List.of(promtool.toString(), "check", "metrics"), text,
                    "promtool check metrics on:\n" + text);
        }
    }

    @Test
    void withoutTheKeyThereIsNoEndpoint() throws Exception {
        try (Daemon d = Daemon.start(new ForwarderConfig(dir.resolve("c.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, 60, null))) {
            assertNull(d.metrics(), "metrics are off when the config has no 'metrics'");
        }
    }

    static long value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no " + series + " in:\n" + text);
        return (long) Double.parseDouble(m.group(1));
    }
}
