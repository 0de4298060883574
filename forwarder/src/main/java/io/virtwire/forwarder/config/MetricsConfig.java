package io.virtwire.forwarder.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * {@code metrics: {listen: "127.0.0.1:9477"}}: serve the Prometheus text format on {@code http://LISTEN/metrics}.
 * Absent: no metrics endpoint. {@code listen} is {@code HOST:PORT}, an IPv6 host in brackets ({@code [::1]:9477});
 * port 0 takes a free port (tests).
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record MetricsConfig(String listen) {

    /** Parsed {@code listen}. */
    public record Listen(String host, int port) {
    }

    public MetricsConfig validated() {
        listenAddress();
        return this;
    }

    /** @throws ConfigException (pointer {@code /listen}) when {@code listen} is missing or not HOST:PORT */
    public Listen listenAddress() {
        String example = " (write it as HOST:PORT, e.g. \"127.0.0.1:9477\", or \"[::1]:9477\" for IPv6)";
        if (listen == null || listen.isBlank()) {
            throw new ConfigException("/listen", "metrics needs 'listen', the address to serve /metrics on" + example);
        }
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            throw new ConfigException("/listen", "metrics listen '" + PortConfig.printable(listen)
                    + "' has no port" + example);
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException("/listen", "metrics listen '" + PortConfig.printable(listen)
                    + "': an IPv6 address needs brackets" + example);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:_-]+")) {
            throw new ConfigException("/listen", "metrics listen '" + PortConfig.printable(listen)
                    + "' has no valid host" + example);
        }
        String portText = listen.substring(colon + 1);
        int port;
        try {
            port = portText.matches("[0-9]{1,5}") ? Integer.parseInt(portText) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("/listen", "metrics listen '" + PortConfig.printable(listen) + "': port '"
                    + PortConfig.printable(portText) + "' is not a number 0..65535" + example);
        }
        return new Listen(host, port);
    }
}
