package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.VirtwireException;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Optional;

@Command(name = "macs", mixinStandardHelpOptions = true, description = "The forwarder's learned MAC table: MAC, VLAN, port, age.")
public final class ForwarderMacsCommand implements Runnable {

    @Option(names = "--vlan", paramLabel = "TAG", description = "only entries on this VLAN (1..4094)")
    Integer vlan;

    @Option(names = "--port", paramLabel = "NAME", description = "only entries learned on this port")
    String port;

    private final ForwarderControlFactory controls;
    private final Output output;

    @Inject
    ForwarderMacsCommand(ForwarderControlFactory controls, Output output) {
        this.controls = controls;
        this.output = output;
    }

    @Override
    public void run() {
        if (vlan != null && (vlan < 1 || vlan > 4094)) {
            throw VirtwireException.invalid("--vlan " + vlan + " is outside 1..4094");
        }
        JsonNode result = controls.open().macs(Optional.ofNullable(vlan), Optional.ofNullable(port));
        output.emit(result, out -> {
            TextTable t = new TextTable("MAC", "VLAN", "Port", "Age (s)");
            for (JsonNode m : result.path("macs")) {
                t.row(m.path("mac").asText(), m.path("vlan").asInt(), m.path("port").asText(),
                        String.format(java.util.Locale.ROOT, "%.1f", m.path("ageMillis").asLong() / 1000.0));
            }
            t.print(out);
        });
    }
}
