package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;

@Command(name = "list", mixinStandardHelpOptions = true, description = "The forwarder's ports with their type, socket or interface, VLAN and link state.")
public final class ForwarderPortListCommand implements Runnable {

    private final ForwarderControlFactory controls;
    private final Output output;

    @Inject
    ForwarderPortListCommand(ForwarderControlFactory controls, Output output) {
        this.controls = controls;
        this.output = output;
    }

    @Override
    public void run() {
        JsonNode result = controls.open().portList();
        output.emit(result, out -> {
            TextTable t = new TextTable("Name", "Type", "Socket/Interface", "Mode", "Queues", "MTU", "VLAN", "Up", "Problem");
            for (JsonNode p : result.path("ports")) {
                t.row(p.path("name").asText(), p.path("type").asText(), ForwarderText.text(p.has("socket") ? p.get("socket") : p.get("iface")),
                        ForwarderText.text(p.get("mode")), ForwarderText.text(p.get("queues")), ForwarderText.text(p.get("mtu")),
                        ForwarderText.vlan(p.path("vlan")), p.path("up").asBoolean() ? "yes" : "no", ForwarderText.text(p.get("broken")));
            }
            t.print(out);
        });
    }
}
