package io.virtwire.provisioner.it;

import io.virtwire.provisioner.cli.CliIo;
import io.virtwire.provisioner.cli.Environment;
import io.virtwire.provisioner.cli.VirtwireCli;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.ForwardingGateway;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtJavaConnector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * bin/virtwire with one difference, for the crash tests: just before libvirt is asked to attach a device (after
 * the allocation's pending save and host change), it prints {@link #MARKER} on stderr and sleeps
 * {@link #PAUSE_ENV} seconds, so a test can kill -9 it there or fill its disk. The product has no such pause; the
 * gateway is the seam.
 */
public final class PausingVirtwire {

    public static final String PAUSE_ENV = "VIRTWIRE_TEST_PAUSE_BEFORE_ATTACH";
    public static final String MARKER = "virtwire: test: paused before libvirt attaches the device";

    private PausingVirtwire() {
    }

    public static void main(String[] args) {
        Duration pause = Duration.ofSeconds(Long.parseLong(System.getenv(PAUSE_ENV)));
        LibvirtConnector pausing = uri -> new ForwardingGateway(new LibvirtJavaConnector().open(uri)) {
            @Override
            public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
                System.err.println(MARKER);
                System.err.flush();
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.attachDevice(domain, deviceXml, scope);
            }

            @Override
            public void close() {
                g.close();
            }
        };
        System.exit(VirtwireCli.run(args, CliIo.system(), Environment.system(), s -> s.libvirt(pausing)));
    }

    /**
     * The command line that runs it as bin/virtwire runs the CLI: this JDK, the built jar and its libraries, plus
     * the test classes. {@code root} is the repository.
     */
    static List<String> command(Path root, List<String> args) {
        Path target = root.resolve("provisioner/target");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xlog:disable", "-Xlog:all=warning:stderr",
                "-cp", target.resolve("test-classes") + ":" + target.resolve("virtwire-provisioner.jar") + ":" + target.resolve("lib") + "/*",
                PausingVirtwire.class.getName()));
        cmd.addAll(args);
        return cmd;
    }
}
