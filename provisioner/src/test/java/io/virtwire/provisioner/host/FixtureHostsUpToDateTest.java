package io.virtwire.provisioner.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed fixture manifests are exactly what FixtureHostsGenerator produces, and the host list matches. */
class FixtureHostsUpToDateTest {

    @Test
    void committedManifestsMatchTheGenerator() throws IOException {
        assertEquals(FixtureHosts.NAMES, FixtureHostsGenerator.all().stream().map(FixtureHostsGenerator.Host::name).toList());
        for (FixtureHostsGenerator.Host h : FixtureHostsGenerator.all()) {
            assertEquals(h.tree().manifest(h.description()), resource("/hosts/" + h.name() + "/tree.txt"),
                    h.name() + ": regenerate with FixtureHostsGenerator.main(provisioner/src/main/resources/hosts)");
            for (Map.Entry<String, String> r : h.tree().resources.entrySet()) {
                assertEquals(r.getValue(), resource("/hosts/" + h.name() + "/" + r.getKey()), h.name() + " " + r.getKey());
            }
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = getClass0().getResourceAsStream(name)) {
            return in == null ? "<missing " + name + ">" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Class<?> getClass0() {
        return FixtureHosts.class;
    }
}
