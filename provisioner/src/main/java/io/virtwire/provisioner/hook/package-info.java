/**
 * libvirt's qemu hook: works from the domain XML it is given, the record and the host; never calls libvirt (libvirtd
 * waits for the hook). Installed by {@link io.virtwire.provisioner.hook.HookInstaller}.
 */
package io.virtwire.provisioner.hook;
