package io.virtwire.provisioner.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A demo guest's serial console, written by libvirt (virtlogd) into a file. The test guest (scripts/build-guest)
 * prints its markers alone on a line; the kernel echoes its command line (which contains the guest's commands)
 * before that, so markers are matched at the start of a line only.
 */
public final class GuestConsole {

    /** Printed by the demo guests' command once all their pings have finished (they then wait to be pinged). */
    public static final String PINGS_DONE = "VW-DEMO-PINGS-DONE";

    private final Path file;

    public GuestConsole(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public String text() {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Optional<String> line(String prefix) {
        return line(text(), prefix);
    }

    static Optional<String> line(String text, String prefix) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(prefix) + ".*$").matcher(text);
        return m.find() ? Optional.of(m.group()) : Optional.empty();
    }

    public Optional<String> ready() {
        return line("VIRTWIRE-GUEST-READY");
    }

    /** A line telling the guest did not get its network or failed: READY will never come. */
    public Optional<String> failure() {
        String t = text();
        return line(t, "VIRTWIRE-GUEST-NONET").or(() -> line(t, "VIRTWIRE-GUEST-RESULT")).or(() -> line(t, "Kernel panic"));
    }

    public boolean pingsDone() {
        return line(PINGS_DONE).isPresent();
    }

    /** Whether an echo reply from {@code address} has arrived (the path towards it works). */
    public boolean repliedFrom(String address) {
        return line("64 bytes from " + address + ":").isPresent();
    }

    public List<PingResult> pings(String name) {
        return PingResult.parseAll(name, text());
    }

    /** The lines worth showing: markers and ping output, not the kernel log. */
    public List<String> interestingLines() {
        return text().lines().filter(l -> l.startsWith("VIRTWIRE-GUEST") || l.startsWith("PING ") || l.startsWith("64 bytes")
                || l.startsWith("--- ") || l.contains("packets transmitted") || l.startsWith("round-trip") || l.startsWith(PINGS_DONE)).toList();
    }
}
