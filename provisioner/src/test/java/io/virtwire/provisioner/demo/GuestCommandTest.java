package io.virtwire.provisioner.demo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GuestCommandTest {

    @Test
    void theGuestCommandFitsTheKernelCommandLineContract() {
        String command = RealDemo.guestCommand("10.0.0.2", "10.0.0.3");
        // vw.run="..." cannot hold a double quote (the kernel has no escape for it); x86 allows 2048 bytes in all
        assertFalse(command.contains("\""), command);
        assertTrue(command.length() < 1024, command.length() + " bytes");
        assertTrue(command.contains("for t in 10.0.0.2 10.0.0.3;") && command.contains("ping -c 3 $t"), command);
        assertTrue(command.contains("echo " + GuestConsole.PINGS_DONE + ";"), command);
    }
}
