package io.virtwire.forwarder.engine;

import io.virtwire.forwarder.switching.SwitchPort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The counters of the forwarder read at one moment, as the control API's {@code stats} returns them and as the
 * Prometheus endpoint exposes them: one reading for both, so the two never disagree. Read from the counters the
 * workers keep (atomics, per burst) by the control plane only; it allocates, the data path never does.
 */
public final class StatsSnapshot {

    private StatsSnapshot() {
    }

    /**
     * {@code {"ports": [{name, rxPackets, ..., drops, link, queues?}], "macTable": {entries, refusedForSpace}}}
     * for {@code ports} (docs/forwarder.md, "stats").
     */
    public static Map<String, Object> of(Forwarder forwarder, List<SwitchPort> ports) {
        long now = System.currentTimeMillis();
        List<Map<String, Object>> out = new ArrayList<>();
        for (SwitchPort p : ports) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.putAll(p.counters().snapshot());
            m.put("link", p.link().snapshot(now));
            List<Map<String, Object>> queues = new ArrayList<>();
            for (Map<String, Object> q : p.port().queueCounters()) {
                Map<String, Object> withWorker = new LinkedHashMap<>(q);
                // which poll worker drains this queue pair's transmit ring (issue 14: pairs are spread)
                if (q.get("queue") instanceof Number n) {
                    withWorker.put("worker", forwarder.workerOf(p, n.intValue()));
                }
                queues.add(withWorker);
            }
            if (!queues.isEmpty()) {
                m.put("queues", queues);
            }
            out.add(m);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ports", out);
        r.put("macTable", Map.of("entries", forwarder.macs().entries(System.nanoTime()).size(),
                "refusedForSpace", forwarder.macs().refusedForSpace()));
        return r;
    }
}
