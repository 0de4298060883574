package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Network namespace operations on real links with iproute2; inside a netns through {@code nsenter --net=PATH}, which
 * takes any netns path (/var/run/netns/NAME as well as /proc/PID/ns/net, which {@code ip -n} does not).
 */
final class Netns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Netns() {
    }

    private static List<String> in(String netns, String... argv) {
        List<String> l = new ArrayList<>(List.of("nsenter", "--net=" + netns));
        l.addAll(List.of(argv));
        return l;
    }

    /** Moves host link {@code dev} into {@code netns} and names it {@code ifname} there (down first: a rename needs it). */
    static void moveIn(String dev, String netns, String ifname) {
        Exec.ok(List.of("ip", "link", "set", "dev", dev, "down"));
        Exec.ok(List.of("ip", "link", "set", "dev", dev, "netns", netns));
        if (!dev.equals(ifname)) {
            try {
                Exec.ok(in(netns, "ip", "link", "set", "dev", dev, "name", ifname));
            } catch (CniError e) {
                moveOut(netns, dev, dev);
                throw e;
            }
        }
    }

    /** Moves {@code ifname} out of {@code netns} back to the host's netns under {@code hostName}; addresses go with the move. */
    static void moveOut(String netns, String ifname, String hostName) {
        Exec.ok(in(netns, "ip", "link", "set", "dev", ifname, "down"));
        if (!ifname.equals(hostName)) {
            Exec.ok(in(netns, "ip", "link", "set", "dev", ifname, "name", hostName));
        }
        // netns PID 1: the host's (init) network namespace
        Exec.ok(in(netns, "ip", "link", "set", "dev", hostName, "netns", "1"));
    }

    static void setMac(String netns, String ifname, String mac) {
        Exec.ok(in(netns, "ip", "link", "set", "dev", ifname, "address", mac));
    }

    static void up(String netns, String ifname) {
        Exec.ok(in(netns, "ip", "link", "set", "dev", ifname, "up"));
    }

    static void addAddress(String netns, String ifname, String cidr) {
        Exec.ok(in(netns, "ip", "addr", "add", cidr, "dev", ifname));
    }

    static void addRoute(String netns, String ifname, String dst, String gw) {
        if (gw == null) {
            Exec.ok(in(netns, "ip", "route", "replace", dst, "dev", ifname));
        } else {
            Exec.ok(in(netns, "ip", "route", "replace", dst, "via", gw, "dev", ifname));
        }
    }

    /** The link as {@code ip -j addr show} reports it inside {@code netns}, empty when the netns has no such link. */
    static Optional<JsonNode> link(String netns, String ifname) {
        Exec.Result r = Exec.run(in(netns, "ip", "-j", "addr", "show", "dev", ifname), null, null);
        if (r.exit() != 0) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(r.stdout());
            return n.isArray() && !n.isEmpty() ? Optional.of(n.get(0)) : Optional.empty();
        } catch (java.io.IOException e) {
            throw new CniError(CniError.HOST_FAILED, "ip -j addr show printed no JSON: " + e.getMessage(), null);
        }
    }

    /** The main table's routes in {@code netns}, IPv4 and IPv6. */
    static List<Routes.Route> routes(String netns) {
        List<Routes.Route> out = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            String json = Exec.ok(in(netns, "ip", family, "-j", "route", "show", "table", "main"));
            try {
                JsonNode n = JSON.readTree(json.isBlank() ? "[]" : json);
                out.addAll(Routes.ofIp(n, family.equals("-6")));
            } catch (java.io.IOException e) {
                throw new CniError(CniError.HOST_FAILED, "ip -j route show printed no JSON: " + e.getMessage(), null);
            }
        }
        return out;
    }

    /** Whether the host's netns has a link named {@code name}. */
    static boolean hostHas(String name) {
        return Exec.run(List.of("ip", "link", "show", "dev", name), null, null).exit() == 0;
    }
}
