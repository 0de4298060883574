package io.virtwire.provisioner.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One ping run's summary: who pinged whom, echo requests sent and replies received. Parsed from what busybox
 * ("3 packets transmitted, 3 packets received") and iputils ("3 packets transmitted, 3 received") print.
 */
public record PingResult(String from, String to, int transmitted, int received) {

    private static final Pattern SUMMARY = Pattern.compile(
            "(?m)^--- (\\S+) ping statistics ---\\s*\\n(\\d+) packets transmitted, (\\d+) (?:packets )?received");

    public boolean answered() {
        return received > 0;
    }

    /** Every ping summary in {@code text} (a guest's console, a ping's output), in order, attributed to {@code from}. */
    public static List<PingResult> parseAll(String from, String text) {
        List<PingResult> found = new ArrayList<>();
        Matcher m = SUMMARY.matcher(text.replace("\r", ""));
        while (m.find()) {
            found.add(new PingResult(from, m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        return found;
    }

    /** The summary of the ping towards {@code address} in {@code text}, if it has finished. */
    public static Optional<PingResult> find(String from, String address, String text) {
        return parseAll(from, text).stream().filter(p -> p.to().equals(address)).findFirst();
    }
}
