package io.virtwire.forwarder.app;

import java.util.ArrayList;
import java.util.List;

/** What a test opened (forwarders, guests), closed last first when the test ends, whether it passed or not. */
final class OpenedInTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
