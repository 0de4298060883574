package io.virtwire.forwarder.engine;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (forwarders, guests), closed last first when the test ends, whether it passed or not.
 * Register it as a field: {@code @RegisterExtension final OpenedInTest opened = new OpenedInTest();}
 */
public final class OpenedInTest implements AfterEachCallback {

    private final List<AutoCloseable> open = new ArrayList<>();

    public <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
