package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.vhostuser.backend.BackendServer;
import io.virtwire.vhostuser.net.VhostUserNetDevice;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtwire vhost-user probe against the library's real backend over a real socket. */
class VhostUserProbeCommandTest {

    @TempDir
    Path dir;

    @Test
    void probesABackendAndReportsWhatItOffers() throws Exception {
        Path sock = dir.resolve("net.sock");
        try (VhostUserNetDevice device = new VhostUserNetDevice("probe-me", 2, 256);
             BackendServer server = BackendServer.listen(sock, device)) {
            CliRunner.Result r = new CliRunner().run("--output", "json", "vhost-user", "probe", sock.toString());
            assertEquals(0, r.exitCode(), r.toString());
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertTrue(json.get("featureNames").toString().contains("VIRTIO_NET_F_MRG_RXBUF"), json.toString());
            assertTrue(json.get("protocolFeatureNames").toString().contains("REPLY_ACK"), json.toString());
            assertEquals(2, json.get("queueNum").asInt(), "GET_QUEUE_NUM counts queue pairs (as QEMU and DPDK read it): " + json);
            CliRunner.Result text = new CliRunner().run("vhost-user", "probe", sock.toString());
            assertEquals(0, text.exitCode(), text.toString());
            assertTrue(text.out().contains("Protocol features:"), text.out());
        }
    }

    @Test
    void aMissingOrDeadSocketIsNotFound() throws Exception {
        CliRunner.Result missing = new CliRunner().run("vhost-user", "probe", dir.resolve("nothing.sock").toString());
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing.toString());
        Path stale = dir.resolve("stale.sock");
        io.virtwire.linux.UnixSocket s = io.virtwire.linux.UnixSocket.create();
        s.bind(stale);
        s.close(); // bound but never listening: connect is refused
        CliRunner.Result refused = new CliRunner().run("vhost-user", "probe", stale.toString());
        assertEquals(ExitCode.NOT_FOUND, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("cannot connect"), refused.err());
    }
}
