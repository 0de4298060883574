package io.virtwire.provisioner.nic;

import java.util.List;

/**
 * What an attach or detach did (or, with --print-xml, would do). This record is the JSON contract of
 * attach-interface and detach-interface; the Ansible collection reads {@code changed} and {@code diff}.
 *
 * @param scope     config, live, config+live, or file (offline edit of a domain XML file)
 * @param deviceXml the {@code <interface>} XML given to libvirt
 * @param diff      the domain XML before and after (the persistent definition, or the live one for live-only
 *                  changes, or the file); null when nothing was applied
 */
public record NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                        List<String> notes, Diff diff) {

    public record Diff(String before, String after) {
    }
}
