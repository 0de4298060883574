package io.virtwire.virtio.queue.testing;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions the JUnit set lacks. */
public final class Expect {

    private Expect() {
    }

    /** Asserts {@code action} throws {@code type} with a message containing every fragment. */
    public static <T extends Throwable> T assertThrowsWith(Class<T> type, Executable action, String... fragments) {
        T thrown = assertThrows(type, action);
        for (String f : fragments) {
            assertTrue(thrown.getMessage() != null && thrown.getMessage().contains(f),
                    () -> "message \"" + thrown.getMessage() + "\" lacks \"" + f + "\"");
        }
        return thrown;
    }

    /** Asserts {@code text} contains every fragment. */
    public static void assertContains(String text, String... fragments) {
        for (String f : fragments) {
            assertTrue(text != null && text.contains(f), () -> "\"" + text + "\" lacks \"" + f + "\"");
        }
    }
}
