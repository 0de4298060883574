package io.virtwire.forwarder.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Prometheus server (Debian's prometheus package) scrapes the forwarder every second while one guest sends
 * to another; its HTTP API then answers {@code rate(virtwire_port_rx_packets_total{port="vm1"}[10s])} with a value
 * above zero. The server runs from a generated config on a free loopback port, its storage in a temp dir.
 */
class PrometheusScrapeIT {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    @TempDir
    Path dir;

    @Test
    void prometheusScrapesThePortRateWhileTrafficFlows() throws Exception {
        assertTrue(Files.isExecutable(PROMETHEUS), "prometheus is missing: apt-get install prometheus (scripts/setup)");
        try (MetricsDaemon d = MetricsDaemon.start(dir)) {
            int promPort = freePort();
            Path config = dir.resolve("h5-prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: virtwire-forwarder
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(d.daemon().metrics().port()));
            Path log = dir.resolve("prometheus.log");
            Process prom = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            AtomicBoolean flowing = new AtomicBoolean(true);
            Thread traffic = Thread.ofPlatform().name("h5-traffic").start(() -> {
                int seq = 0;
                try {
                    while (flowing.get()) {
                        d.sendBurst(16, seq);
                        seq += 16;
                        Thread.sleep(20);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                String query = "rate(virtwire_port_rx_packets_total{port=\"vm1\"}[10s])";
                double rate = 0;
                String last = "";
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (rate <= 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1000);
                    if (!prom.isAlive()) {
                        fail("prometheus exited " + prom.exitValue() + ":\n" + Files.readString(log));
                    }
                    last = query(promPort, query);
                    JsonNode result = new ObjectMapper().readTree(last).path("data").path("result");
                    if (result.size() == 1) {
                        rate = Double.parseDouble(result.get(0).path("value").get(1).asText());
                    }
                }
                assertTrue(rate > 0, "Prometheus's rate for port vm1 while frames flow: " + last + "\nserver log:\n"
                        + Files.readString(log));
            } finally {
                flowing.set(false);
                traffic.join(10_000);
                prom.destroy();
                if (!prom.waitFor(20, TimeUnit.SECONDS)) {
                    prom.destroyForcibly();
                }
            }
        }
    }

    private static String query(int port, String promql) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return "not answering yet: " + e;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
