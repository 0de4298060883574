package io.virtwire.provisioner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.cli.CliRunner;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.LibvirtJavaGateway;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * issue 19 item 3 against the real libvirtd (qemu:///system): drift on a NIC of a defined domain is converged through
 * libvirt's update-device (method update-device), which keeps the NIC's guest PCI address, then reports no change.
 * test:/// has no update-device, so only a real libvirtd shows that path.
 */
class EnsureUpdateDeviceIT {

    private static final String URI = "qemu:///system";
    private static final Pattern GUEST_ADDRESS = Pattern.compile("<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)'");

    private final String name = "drift-upd-" + ProcessHandle.current().pid();
    private final CliRunner cli = new CliRunner().env("LIBVIRT_DEFAULT_URI", URI);
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void define() throws Exception {
        cliJson("define-domain", "--template", "vhostuser-memfd", "--name", name, "--virt-type", "qemu", "--memory", "128MiB");
    }

    @AfterEach
    void undefine() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            if (gw.domainNames().contains(name)) {
                gw.undefine(name);
            }
        }
    }

    private JsonNode cliJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--output", "json"));
        all.addAll(List.of(args));
        CliRunner.Result r = cli.run(all.toArray(String[]::new));
        assertEquals(0, r.exitCode(), String.join(" ", args) + "\n" + r + "\n(needs libvirtd on " + URI + ": ./scripts/setup, as root)");
        return json.readTree(r.out());
    }

    private String config() {
        try (LibvirtGateway gw = LibvirtJavaGateway.open(URI)) {
            return gw.domainXml(name, true);
        }
    }

    /** The guest PCI address of the NIC with this MAC in the persistent definition. */
    private String guestAddress(String mac) {
        String xml = config();
        int at = xml.indexOf(mac);
        String nic = xml.substring(at, xml.indexOf("</interface>", at));
        Matcher m = GUEST_ADDRESS.matcher(nic);
        assertTrue(m.find(), "libvirt gave the NIC a guest address: " + nic);
        return m.group(1) + ":" + m.group(2);
    }

    @Test
    void vlanAndQueueDriftAreChangedInPlaceByUpdateDevice() throws Exception {
        String vfMac = "52:54:00:d1:00:01";
        cliJson("attach-interface", name, "hostdev", "0000:07:10.1", "--mac", vfMac, "--vlan", "7", "--config", "--ensure");
        String slot = guestAddress(vfMac);

        JsonNode vlan8 = cliJson("attach-interface", name, "hostdev", "0000:07:10.1", "--mac", vfMac, "--vlan", "8", "--config", "--ensure");
        assertTrue(vlan8.get("changed").asBoolean(), vlan8.toString());
        assertEquals("update-device", vlan8.get("method").asText(), vlan8.toString());
        assertTrue(vlan8.get("notes").toString().contains("changed in place (update-device --config)"), vlan8.toString());
        assertTrue(config().contains("<tag id='8'/>") && !config().contains("<tag id='7'/>"), config());
        assertEquals(slot, guestAddress(vfMac), "the NIC keeps its guest PCI address");
        assertTrue(vlan8.get("diff").get("before").asText().contains("<tag id='7'/>"), vlan8.toString());
        assertTrue(vlan8.get("diff").get("after").asText().contains("<tag id='8'/>"), vlan8.toString());
        JsonNode again = cliJson("attach-interface", name, "hostdev", "0000:07:10.1", "--mac", vfMac, "--vlan", "8", "--config", "--ensure");
        assertFalse(again.get("changed").asBoolean(), again.toString());

        String vuMac = "52:54:00:d1:00:02";
        String socket = "/run/virtwire/" + name + "-0.sock";
        cliJson("attach-interface", name, "vhostuser", socket, "--mac", vuMac, "--queues", "2", "--config", "--ensure");
        JsonNode queues = cliJson("attach-interface", name, "vhostuser", socket, "--mac", vuMac, "--queues", "4", "--config", "--ensure");
        assertEquals("update-device", queues.get("method").asText(), queues.toString());
        assertTrue(config().contains("queues='4'"), config());
        assertEquals(2, config().split("<interface ").length - 1, "still two NICs: " + config());
    }
}
