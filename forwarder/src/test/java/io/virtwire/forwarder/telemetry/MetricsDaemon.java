package io.virtwire.forwarder.telemetry;

import io.virtwire.forwarder.app.Daemon;
import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.MetricsConfig;
import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.vhostuser.net.TestGuest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A daemon with two vhost-user ports (vm1, vm2), a test guest on each and the metrics endpoint on a free loopback
 * port: the metrics tests' starting point. {@link #sendBurst} makes traffic from vm1 to vm2.
 */
record MetricsDaemon(Daemon daemon, TestGuest g1, TestGuest g2) implements AutoCloseable {

    static final long MAC_1 = 0x52_54_00_00_00_01L;
    static final long MAC_2 = 0x52_54_00_00_00_02L;

    static MetricsDaemon start(Path dir) throws Exception {
        ForwarderConfig config = new ForwarderConfig(dir.resolve("control.sock").toString(), null,
                dir.resolve("state").toString(), null, 1, null, 60,
                List.of(PortConfig.vhostUser("vm1", dir.resolve("vm1.sock").toString(), "server"),
                        PortConfig.vhostUser("vm2", dir.resolve("vm2.sock").toString(), "server")))
                .withMetrics(new MetricsConfig("127.0.0.1:0"));
        Daemon daemon = Daemon.start(config);
        try {
            TestGuest g1 = TestGuest.connect(dir.resolve("vm1.sock"), "g1");
            TestGuest g2 = TestGuest.connect(dir.resolve("vm2.sock"), "g2");
            return new MetricsDaemon(daemon, g1, g2);
        } catch (Exception e) {
            daemon.close();
            throw e;
        }
    }

    String url() {
        return "http://127.0.0.1:" + daemon.metrics().port() + "/metrics";
    }

    String scrape() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url())).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + url() + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        }
    }

    /** {@code n} frames from guest 1 to guest 2, which takes them (so its receive ring never runs dry). */
    void sendBurst(int n, int seq) throws Exception {
        for (int i = 0; i < n; i++) {
            g1.send(TestGuest.frame(MAC_2, MAC_1, seq + i, 100));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int reaped = 0;
        while (reaped < n && System.nanoTime() < deadline) {
            reaped += g1.reapTransmitted();
            Thread.sleep(1);
        }
        g2.receive(n, Duration.ofSeconds(5));
    }

    @Override
    public void close() throws Exception {
        g1.close();
        g2.close();
        daemon.close();
    }
}
