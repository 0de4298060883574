package io.virtwire.provisioner.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** virsh's --persistent: the definition always, the running domain too when it runs. */
class DeviceScopeTest {

    @Test
    void persistentResolvesToConfigWhenShutOffAndConfigPlusLiveWhenRunning() {
        DeviceScope persistent = DeviceScope.of(false, false, false).withLiveIfRunning();
        assertEquals("persistent", persistent.toString());
        assertEquals(DeviceScope.CONFIG, persistent.resolve(false));
        assertEquals(DeviceScope.BOTH, persistent.resolve(true));
        assertEquals(3, persistent.resolve(true).flags());
        assertEquals(DeviceScope.BOTH, DeviceScope.of(false, true, false).withLiveIfRunning().resolve(false));
        assertEquals(DeviceScope.CONFIG, DeviceScope.CONFIG.resolve(true), "--config alone stays the definition only");
    }
}
