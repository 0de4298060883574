# Sourced by scripts/*: makes sure a libvirt daemon answers on qemu:///system.
# These machines (and many containers) have no systemd, so start virtlogd and libvirtd ourselves.
virtwire_ensure_libvirtd() {
  if virsh -c qemu:///system uri >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "virtwire: libvirtd is not answering on qemu:///system and starting it needs root" >&2
    return 1
  fi
  pgrep -x virtlogd >/dev/null 2>&1 || virtlogd -d
  pgrep -x libvirtd >/dev/null 2>&1 || libvirtd -d
  local i
  for i in $(seq 1 50); do
    virsh -c qemu:///system uri >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "virtwire: libvirtd did not answer on qemu:///system within 10 s (see /var/log/libvirt/libvirtd.log)" >&2
  return 1
}
