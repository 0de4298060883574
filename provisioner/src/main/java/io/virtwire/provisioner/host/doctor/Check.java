package io.virtwire.provisioner.host.doctor;

import java.util.List;
import java.util.Set;

/** One diagnosis with a stable id. Returns no findings when it does not apply to this host. */
public interface Check {

    String id();

    /** The NIC kinds this check matters for; doctor --for runs only the checks listing that purpose. */
    Set<Purpose> purposes();

    List<Finding> run(DoctorContext context);
}
