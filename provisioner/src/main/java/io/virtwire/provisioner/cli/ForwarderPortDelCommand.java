package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "del", mixinStandardHelpOptions = true, description = "Remove a port from the forwarder (a vhost-user socket it listened on is removed).")
public final class ForwarderPortDelCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "NAME", description = "the port name ('virtwire forwarder port list' shows them)")
    String name;

    private final ForwarderControlFactory controls;
    private final Output output;

    @Inject
    ForwarderPortDelCommand(ForwarderControlFactory controls, Output output) {
        this.controls = controls;
        this.output = output;
    }

    @Override
    public void run() {
        JsonNode result = controls.open().portDel(name);
        output.emit(result, out -> out.println("removed port " + result.path("removed").asText(name)));
    }
}
