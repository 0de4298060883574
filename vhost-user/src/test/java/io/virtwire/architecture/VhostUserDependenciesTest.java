package io.virtwire.architecture;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vhost-user module's packages depend on each other only downwards (docs/architecture.md, "Allowed
 * dependencies"): linux and memory at the bottom, the virtio rings over guest memory knowing nothing of vhost-user,
 * the protocol and transport beside them, the backend session over all of those, the devices on top. Nothing here
 * may use the forwarder or the provisioner.
 */
class VhostUserDependenciesTest {

    private static final String LINUX = "io.virtwire.linux";
    private static final String MEMORY = "io.virtwire.memory";
    private static final String QUEUE = "io.virtwire.virtio.queue";
    private static final String VIRTIO_NET = "io.virtwire.virtio.net";
    private static final String PROTOCOL = "io.virtwire.vhostuser.protocol";
    private static final String TRANSPORT = "io.virtwire.vhostuser.transport";
    private static final String VU_MEMORY = "io.virtwire.vhostuser.memory";
    private static final String BACKEND = "io.virtwire.vhostuser.backend";
    private static final String DRIVER = "io.virtwire.vhostuser.frontend.driver";
    private static final String FRONTEND = "io.virtwire.vhostuser.frontend";
    private static final String VU_NET = "io.virtwire.vhostuser.net";
    private static final String LOGGING = "io.virtwire.logging";

    static final ImportRules RULES = ImportRules.builder()
            .allow(LINUX)
            .allow(LOGGING)
            .allow(MEMORY)
            .allow(QUEUE, MEMORY)
            .allow(VIRTIO_NET, MEMORY, QUEUE)
            .allow(PROTOCOL)
            .allow(TRANSPORT, LINUX)
            .allow(VU_MEMORY, LINUX, MEMORY)
            .allow(BACKEND, LINUX, MEMORY, QUEUE, PROTOCOL, TRANSPORT, VU_MEMORY, LOGGING)
            .allow(DRIVER, MEMORY, QUEUE)
            .allow(FRONTEND, LINUX, MEMORY, PROTOCOL, TRANSPORT, VU_MEMORY, DRIVER)
            .allow(VU_NET, LINUX, MEMORY, QUEUE, VIRTIO_NET, PROTOCOL, BACKEND)
            .build();

    @Test
    void mainSourcesKeepTheAllowedDirections() {
        List<String> problems = RULES.check(Path.of("src/main/java"));
        assertEquals(List.of(), problems, "dependency directions (docs/architecture.md):\n" + String.join("\n", problems));
    }
}
