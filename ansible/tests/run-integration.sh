#!/usr/bin/env bash
# Integration tests of the virtwire.vmnet collection: ansible-playbook against localhost (connection local),
#  (a) on a domain XML file (the CLI's --domain-xml), and libvirt's in-process test driver (read-only);
#  (b) on the real libvirtd at qemu:///system, with a defined-but-not-running domain made by
#      'bin/virtwire define-domain' and undefined again at the end.
# Every module runs twice (the second run must report no change), in check mode before and after,
# with --diff, and against bad input; the assertions live in the playbooks under tests/integration/.
# Needs what ./scripts/setup installs and builds (ansible-core, libvirt, bin/virtwire); installs nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/ansible/tests/integration"
CLI="$ROOT/bin/virtwire"
IT_DOMAIN="vw-ansible-it"
. "$ROOT/scripts/lib/libvirtd.sh"

if [ ! -f "$ROOT/provisioner/target/virtwire-provisioner.jar" ]; then
  echo "run-integration: the CLI is not built ($ROOT/provisioner/target/virtwire-provisioner.jar): run ./scripts/setup" >&2
  exit 1
fi
if ! command -v ansible-playbook >/dev/null; then
  echo "run-integration: ansible-playbook is missing: run ./scripts/setup (it installs ansible-core)" >&2
  exit 1
fi

WORK="$(mktemp -d /tmp/vmnet-it.XXXXXX)"
DEFINED=0
cleanup() {
  if [ "$DEFINED" = 1 ]; then
    virsh -c qemu:///system undefine "$IT_DOMAIN" >/dev/null 2>&1 || echo "run-integration: could not undefine $IT_DOMAIN" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export ANSIBLE_COLLECTIONS_PATH="$ROOT/ansible"
printf '[defaults]\n' >"$WORK/ansible.cfg"
export ANSIBLE_CONFIG="$WORK/ansible.cfg"   # not an ansible.cfg from the working directory or $HOME
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0

playbook() { # name, log, extra args...
  local name="$1" log="$2"
  shift 2
  echo "run-integration: $name"
  if ! ansible-playbook -i "$HERE/inventory.ini" --diff "$HERE/$name" -e "virtwire_cli=$CLI" "$@" >"$log" 2>&1; then
    cat "$log"
    echo "run-integration: FAILED: $name (log above)" >&2
    return 1
  fi
  grep -E '^PLAY RECAP|^localhost ' "$log" | sed 's/^/  /'
  # --diff must show the interface XML, not only put it in the registered result (attach and detach show the
  # whole domain XML, where the interface is indented)
  if ! grep -qE '^\+ *<interface type=' "$log" || ! grep -qE '^- *<interface type=' "$log"; then
    cat "$log"
    echo "run-integration: FAILED: $name printed no interface XML diff" >&2
    return 1
  fi
}

# (a) a domain XML file: no libvirt needed
"$CLI" -c test:///default define-domain --template vhostuser-memfd --name vw-ansible-file --virt-type qemu \
  --print-xml >"$WORK/vw-ansible-file.xml"
"$CLI" -c test:///default define-domain --template hostdev-q35 --name vw-ansible-nomem --virt-type qemu \
  --print-xml >"$WORK/vw-ansible-nomem.xml"
playbook file_workflow.yml "$WORK/file_workflow.log" -e "domain_xml_file=$WORK/vw-ansible-file.xml" \
  -e "no_shared_memory_file=$WORK/vw-ansible-nomem.xml"

# (b) the real libvirtd
virtwire_ensure_libvirtd
if virsh -c qemu:///system dominfo "$IT_DOMAIN" >/dev/null 2>&1; then
  # left over from an interrupted run of this script; the name is reserved for it
  state="$(virsh -c qemu:///system domstate "$IT_DOMAIN")"
  if [ "$state" != "shut off" ]; then
    echo "run-integration: domain $IT_DOMAIN exists and is $state: stop it first" >&2
    exit 1
  fi
  virsh -c qemu:///system undefine "$IT_DOMAIN" >/dev/null
fi
"$CLI" define-domain --template vhostuser-memfd --name "$IT_DOMAIN" --virt-type qemu
DEFINED=1
playbook libvirt_domain.yml "$WORK/libvirt_domain.log" -e "it_domain=$IT_DOMAIN"

echo "run-integration: all playbooks passed"
