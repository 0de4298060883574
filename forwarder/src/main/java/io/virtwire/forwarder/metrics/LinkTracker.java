package io.virtwire.forwarder.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When a port's link (a connected guest with running rings) went down and came back, sampled by the control
 * plane. The first outage after a restart starts at the previous process's last heartbeat, so a {@code kill -9}
 * shows up as the time from the crash until the guest's rings run again.
 */
public final class LinkTracker {

    private boolean up;
    private long downSinceMillis;
    private long lastOutageMillis = -1;
    private long linkUps;

    public LinkTracker(long downSinceMillis) {
        this.downSinceMillis = downSinceMillis;
    }

    public synchronized void sample(boolean nowUp, long nowMillis) {
        if (nowUp && !up) {
            lastOutageMillis = nowMillis - downSinceMillis;
            linkUps++;
        } else if (!nowUp && up) {
            downSinceMillis = nowMillis;
        }
        up = nowUp;
    }

    public synchronized boolean isUp() {
        return up;
    }

    public synchronized long lastOutageMillis() {
        return lastOutageMillis;
    }

    public synchronized Map<String, Object> snapshot(long nowMillis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("up", up);
        m.put("linkUps", linkUps);
        m.put("lastOutageMillis", lastOutageMillis < 0 ? null : lastOutageMillis); // null: no outage ended yet
        m.put("downForMillis", up ? 0 : nowMillis - downSinceMillis);
        return m;
    }
}
