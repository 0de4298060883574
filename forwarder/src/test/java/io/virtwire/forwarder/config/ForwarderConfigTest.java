package io.virtwire.forwarder.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwarderConfigTest {

    @TempDir
    Path dir;

    @Test
    void theSampleConfigShippedWithTheUnitLoads() throws Exception {
        ForwarderConfig c = ForwarderConfig.load(Path.of("src/main/dist/forwarder.yaml"));
        assertEquals(3, c.portsOrEmpty().size());
        assertEquals("vm1", c.portsOrEmpty().get(0).name());
        assertEquals(10, c.portsOrEmpty().get(0).vlan().toPolicy().accessVlan());
        assertEquals(1, c.portsOrEmpty().get(2).vlan().toPolicy().nativeVlan());
        assertEquals(1, c.workersOrDefault());
    }

    private Exception refused(String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return assertThrows(Exception.class, () -> ForwarderConfig.load(f));
    }

    @Test
    void mistakesAreNamed() throws Exception {
        assertTrue(refused("workerz: 2\n").getMessage().contains("workerz"));
        assertTrue(refused("mode: hub\n").getMessage().contains("hub"));
        assertTrue(refused("workers: 0\n").getMessage().contains("workers 0"));
        assertTrue(refused("ports: [{name: a, socket: /a.sock}, {name: a, socket: /b.sock}]\n").getMessage()
                .contains("'a' appears twice"));
        assertTrue(refused("ports: [{name: a, socket: /a.sock, vlan: {mode: access, id: 4095}}]\n").getMessage()
                .contains("4095"));
        assertTrue(refused("ports: [{name: a, socket: /a.sock, vlan: {mode: trunk, allowed: [1], id: 3}}]\n").getMessage()
                .contains("'id'"));
        assertTrue(refused("ports: [{name: a, type: tap}]\n").getMessage().contains("iface"));
        assertTrue(refused("ports: [{name: a, socket: a.sock}]\n").getMessage().contains("absolute"));
        assertTrue(refused("mode: xconnect\nports: [{name: a, socket: /a}, {name: b, socket: /b}, {name: c, socket: /c}]\n")
                .getMessage().contains("two ports"));
    }

    @Test
    void anEmptyFileIsTheDefaults() throws Exception {
        Path f = dir.resolve("empty.yaml");
        Files.writeString(f, "");
        ForwarderConfig c = ForwarderConfig.load(f);
        assertEquals(0, c.portsOrEmpty().size());
        assertEquals(300, c.macAgingSecondsOrDefault());
    }

    @Test
    void offloadsArePerPortAndOffByDefault() throws Exception {
        Path f = dir.resolve("offloads.yaml");
        Files.writeString(f, "ports: [{name: a, socket: /a.sock, offloads: true}, {name: b, type: tap, iface: t0},"
                + " {name: c, type: af-packet, iface: eth9, offloads: false}]\n");
        ForwarderConfig c = ForwarderConfig.load(f);
        assertEquals(true, c.portsOrEmpty().get(0).offloadsOrDefault());
        assertEquals(false, c.portsOrEmpty().get(1).offloadsOrDefault(), "default off");
        assertEquals(false, c.portsOrEmpty().get(2).offloadsOrDefault());
        assertTrue(refused("ports: [{name: a, socket: /a.sock, offloads: maybe}]\n").getMessage().contains("offloads"));
    }
}
