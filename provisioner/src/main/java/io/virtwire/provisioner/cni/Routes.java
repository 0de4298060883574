package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Routes as CNI results give them ({@code {"dst": "0.0.0.0/0", "gw": "10.0.0.1"}}) against the routes a netns has
 * ({@code ip -j route show}: {@code "dst": "default"}, a host route without its /32): both sides go to one canonical
 * form (address bytes and prefix length), so CHECK compares what the kernel routes, not how it was spelled.
 */
final class Routes {

    /** A destination prefix and its gateway (null: on-link, or whatever gateway the route has). */
    record Route(String dst, String gateway, String dev) {
        @Override
        public String toString() {
            return dst + (gateway == null ? "" : " via " + gateway) + (dev == null ? "" : " dev " + dev);
        }
    }

    private Routes() {
    }

    /** A CNI result route, canonical; error 7 when its dst or gw is not an address. */
    static Route ofResult(JsonNode r) {
        String dst = canonicalPrefix(r.path("dst").asText(), true);
        String gw = r.hasNonNull("gw") ? canonicalAddress(r.get("gw").asText()) : null;
        return new Route(dst, gw, null);
    }

    /** The routes {@code ip -j route show} printed (IPv4 or IPv6), canonical; multipath routes have no single gateway. */
    static List<Route> ofIp(JsonNode ipRoutes, boolean v6) {
        List<Route> out = new ArrayList<>();
        for (JsonNode r : ipRoutes) {
            String dst = r.path("dst").asText();
            dst = dst.equals("default") ? (v6 ? "::/0" : "0.0.0.0/0") : dst;
            out.add(new Route(canonicalPrefix(dst, false), r.hasNonNull("gateway") ? canonicalAddress(r.get("gateway").asText()) : null,
                    r.path("dev").asText(null)));
        }
        return out;
    }

    /**
     * The route {@code want} is among {@code have} on {@code dev}: same destination, and the same gateway when
     * {@code want} names one (a result route without gw was added via the IPAM's gateway or on-link).
     */
    static Optional<Route> find(List<Route> have, Route want, String dev) {
        return have.stream().filter(h -> h.dst().equals(want.dst()) && dev.equals(h.dev())
                && (want.gateway() == null || want.gateway().equals(h.gateway()))).findFirst();
    }

    private static String canonicalPrefix(String text, boolean fromResult) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress a = parse(addr, text, fromResult);
        int max = a.getAddress().length * 8;
        int len = max;
        if (slash >= 0) {
            try {
                len = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                len = -1;
            }
            if (len < 0 || len > max) {
                throw notAddress(text, fromResult);
            }
        }
        return a.getHostAddress() + "/" + len;
    }

    private static String canonicalAddress(String text) {
        return parse(text, text, true).getHostAddress();
    }

    private static InetAddress parse(String addr, String whole, boolean fromResult) {
        // a literal only: letters other than hex digits (a host name) would make InetAddress resolve it
        if (addr.isEmpty() || !addr.matches("[0-9A-Fa-f:.]+")) {
            throw notAddress(whole, fromResult);
        }
        try {
            return InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw notAddress(whole, fromResult);
        }
    }

    private static CniError notAddress(String text, boolean fromResult) {
        return fromResult ? new CniError(CniError.INVALID_CONFIG, "network configuration: prevResult route '" + text + "' is not an IP prefix", null)
                : new CniError(CniError.HOST_FAILED, "ip route printed '" + text + "', not an IP prefix", null);
    }
}
