package io.virtwire.forwarder;

import io.virtwire.architecture.ImportRules;
import io.virtwire.architecture.SourceReferences;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The forwarder's packages depend on each other and on the vhost-user library only in the directions of
 * docs/architecture.md ("Allowed dependencies"). Ports use the library's devices and frame buffers, never its
 * session internals or the test frontend. Nothing may use {@code app}, the composition root (no row allows it);
 * {@code port} knows nothing of {@code config} (PortFactory, the translation, lives in {@code engine}).
 */
class ForwarderDependenciesTest {

    private static final String LINUX = "io.virtwire.linux";
    private static final String VIRTIO_NET = "io.virtwire.virtio.net";
    private static final String VU_BACKEND = "io.virtwire.vhostuser.backend";
    private static final String VU_NET = "io.virtwire.vhostuser.net";
    private static final String METRICS = "io.virtwire.forwarder.metrics";
    private static final String CONFIG = "io.virtwire.forwarder.config";
    private static final String PORT = "io.virtwire.forwarder.port";
    private static final String SWITCHING = "io.virtwire.forwarder.switching";
    private static final String RUNTIME = "io.virtwire.forwarder.runtime";
    private static final String ENGINE = "io.virtwire.forwarder.engine";
    private static final String STATE = "io.virtwire.forwarder.state";
    private static final String CONTROL = "io.virtwire.forwarder.control";
    private static final String LOGGING = "io.virtwire.logging";
    private static final String TELEMETRY = "io.virtwire.forwarder.telemetry";
    private static final String APP = "io.virtwire.forwarder.app";

    static final ImportRules RULES = ImportRules.builder()
            .allow(METRICS)
            .allow(PORT, LINUX, VIRTIO_NET, VU_BACKEND, VU_NET)
            .allow(SWITCHING, METRICS, PORT, VIRTIO_NET)
            .allow(CONFIG, SWITCHING, LOGGING)
            .allow(RUNTIME, LINUX, VIRTIO_NET, METRICS, PORT, SWITCHING)
            .allow(ENGINE, LINUX, CONFIG, PORT, SWITCHING, RUNTIME)
            .allow(STATE, LINUX, CONFIG, SWITCHING, ENGINE)
            .allow(CONTROL, LINUX, CONFIG, SWITCHING, RUNTIME, ENGINE, STATE)
            .allow(TELEMETRY, CONFIG, SWITCHING, RUNTIME, ENGINE)
            .allow(APP, LINUX, METRICS, CONFIG, PORT, SWITCHING, RUNTIME, ENGINE, STATE, CONTROL, TELEMETRY, LOGGING)
            .build();

    @Test
    void mainSourcesKeepTheAllowedDirections() {
        List<String> problems = RULES.check(Path.of("src/main/java"));
        assertEquals(List.of(), problems, "dependency directions (docs/architecture.md):\n" + String.join("\n", problems));
    }

    /**
     * Finer than a package: of the ports only VhostUserPort knows vhost-user. TAP and AF_PACKET frames travel in
     * virtio.net's PacketBurst, so those ports stay usable without the vhost-user library's device layer.
     */
    @Test
    void onlyTheVhostUserPortUsesTheVhostUserLibrary() {
        List<String> offenders = SourceReferences.scan(Path.of("src/main/java")).stream()
                .filter(r -> r.to().startsWith("io.virtwire.vhostuser"))
                .filter(r -> !r.file().endsWith(Path.of("io/virtwire/forwarder/port/VhostUserPort.java")))
                .map(SourceReferences.Reference::toString)
                .toList();
        assertEquals(List.of(), offenders, "only port/VhostUserPort may use io.virtwire.vhostuser:\n"
                + String.join("\n", offenders));
    }
}
