package io.virtwire.provisioner.domain;

import io.virtwire.provisioner.VirtwireException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A memory size given on the command line: "1GiB", "512MiB", "2G", "1048576KiB"; a bare number means MiB. */
public record MemorySize(long kib) {

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})\\s*(k|kib|kb|m|mib|mb|g|gib|gb|t|tib|tb)?", Pattern.CASE_INSENSITIVE);

    public static MemorySize parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw VirtwireException.invalid("invalid memory size '" + text + "': use a number with a unit, e.g. 512MiB or 1GiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "m" : m.group(2).toLowerCase(Locale.ROOT).substring(0, 1);
        long factor = switch (unit) {
            case "k" -> 1L;
            case "m" -> 1024L;
            case "g" -> 1024L * 1024;
            default -> 1024L * 1024 * 1024;
        };
        try {
            long kib = Math.multiplyExact(n, factor);
            if (kib < 1024) {
                throw VirtwireException.invalid("memory size '" + text + "' is below 1MiB");
            }
            return new MemorySize(kib);
        } catch (ArithmeticException e) {
            throw VirtwireException.invalid("memory size '" + text + "' is too large");
        }
    }

    @Override
    public String toString() {
        return kib % (1024 * 1024) == 0 ? kib / (1024 * 1024) + "GiB" : kib % 1024 == 0 ? kib / 1024 + "MiB" : kib + "KiB";
    }
}
