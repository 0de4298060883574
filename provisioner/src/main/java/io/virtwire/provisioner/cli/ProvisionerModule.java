package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtJavaConnector;

/** Production wiring of the provisioner's services. Tests override single bindings (host actions, gateway). */
public class ProvisionerModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(LibvirtConnector.class).to(LibvirtJavaConnector.class);
        bind(io.virtwire.provisioner.host.profile.HostAccess.Factory.class).to(DefaultHostAccessFactory.class);
        // the forwarder's control socket when it exists, else "forwarder not configured" in the notes
        bind(io.virtwire.provisioner.forwarder.ForwarderClient.class).to(SelectedForwarderClient.class);
        // what 'virtwire demo' checks before choosing the real demo (tests bind a fake host)
        bind(io.virtwire.provisioner.demo.DemoHost.class).to(io.virtwire.provisioner.demo.SystemDemoHost.class);
    }

    @Provides
    @Singleton
    ObjectMapper jsonMapper() {
        return JsonMapper.builder()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .findAndAddModules()
                .build();
    }
}
