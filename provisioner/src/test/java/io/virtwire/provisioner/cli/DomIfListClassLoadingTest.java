package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up (docs/benchmarks.md): {@code virtwire domiflist} reads the domain XML with DOM only, so a call neither creates
 * the JAXB context nor loads the JAXB runtime, nor Guice. (Not checked here: the SecureRandom MacGenerator now seeds
 * lazily; in this JVM JNA unpacks its native library through a temp file, which seeds one anyway.) Checked on a real JVM's class loading (-Xlog:class+load), in a
 * subprocess of the test's own class path, on libvirt's test driver.
 */
class DomIfListClassLoadingTest {

    @TempDir
    Path tmp;

    @Test
    void domiflistLoadsNoJaxbAndNoGuice() throws Exception {
        Path log = tmp.resolve("class-load.log");
        Path out = tmp.resolve("stdout");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + log, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "-c", "test:///default", "domiflist", "test"))
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "virtwire domiflist did not finish");
        String stdout = Files.readString(out);
        assertEquals(0, p.exitValue(), stdout);
        assertTrue(stdout.contains("testnet0") && stdout.contains("aa:bb:cc:dd:ee:ff"), stdout);
        String classes = Files.readString(log);
        assertTrue(classes.contains("io.virtwire.provisioner.nic.InterfaceRows "), "the class log names the classes loaded");
        for (String absent : List.of("org.glassfish.jaxb.", "jakarta.xml.bind.JAXBContext ", "com.google.inject.")) {
            assertTrue(classes.lines().noneMatch(l -> l.contains(absent)), "domiflist loaded " + absent + ": "
                    + classes.lines().filter(l -> l.contains(absent)).limit(5).toList());
        }
    }
}
