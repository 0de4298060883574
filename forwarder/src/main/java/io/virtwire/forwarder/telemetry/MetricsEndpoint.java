package io.virtwire.forwarder.telemetry;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.virtwire.forwarder.config.MetricsConfig;
import io.virtwire.forwarder.engine.Forwarder;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * {@code metrics: {listen: HOST:PORT}}: an HTTP server answering {@code GET /metrics} with the Prometheus text
 * format, on its own registry (no JVM or process metrics of the client library: only the forwarder's).
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HTTPServer server;
    private final MetricsConfig.Listen listen;

    private MetricsEndpoint(HTTPServer server, MetricsConfig.Listen listen) {
        this.server = server;
        this.listen = listen;
    }

    /** @throws IOException when the address cannot be bound (in use, not an address of this host) */
    public static MetricsEndpoint start(MetricsConfig config, Forwarder forwarder) throws IOException {
        MetricsConfig.Listen listen = config.listenAddress();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ForwarderCollector(forwarder));
        InetSocketAddress address = new InetSocketAddress(listen.host(), listen.port());
        if (address.isUnresolved()) {
            throw new IOException("metrics listen " + config.listen() + ": host '" + listen.host()
                    + "' does not resolve; use an address of this host such as 127.0.0.1");
        }
        try {
            HTTPServer server = HTTPServer.builder().inetAddress(address.getAddress())
                    .port(listen.port()).registry(registry).buildAndStart();
            return new MetricsEndpoint(server, listen);
        } catch (IOException e) {
            throw new IOException("metrics listen " + config.listen() + ": cannot serve there: " + e.getMessage()
                    + " (choose a free port, or an address of this host, in metrics.listen)", e);
        }
    }

    /** The port bound (the configured one, or the one the kernel chose for port 0). */
    public int port() {
        return server.getPort();
    }

    public String host() {
        return listen.host();
    }

    @Override
    public void close() {
        server.close();
    }
}
