#!/usr/bin/env bash
# Integration tests of what virtwire allocates and of the forwarder, through the virtwire.vmnet collection:
#  - allocation.yml: vmnet_interface with pf / pool / vDPA without a device / vhost-user without a socket, and
#    vmnet_info's vfs and probe, on the real libvirtd (qemu:///system) with two defined, inactive domains
#    (config scope) and two bundled fixture hosts (--host-root: i350-igb-8vfs for VFs, cx6dx-switchdev for vDPA),
#    a libvirt hostdev network over a fixture PF, and a real forwarder daemon;
#  - forwarder_port.yml: vmnet_forwarder_port against that daemon (vhost-user, TAP, and AF_PACKET on a veth pair
#    vwit-a/vwit-b made here and deleted at the end);
#  - check_mode.yml: every module in check mode, and vmnet_info, against a record that reconciliation would repair
#    (a copy of the i350 fixture host, its own state directory): nothing changes, byte for byte.
# The daemon is bin/virtwire-forwarder --control $WORK/fw.sock, started here and stopped (by its pid) at the end;
# the domains vw-ansible-alloc, vw-ansible-vdpa and the network vw-ansible-pool are removed at the end.
# Needs what ./scripts/setup installs and builds; root (libvirtd, TAP interfaces). Installs nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/ansible/tests/integration"
CLI="$ROOT/bin/virtwire"
FORWARDER="$ROOT/bin/virtwire-forwarder"
ALLOC_DOMAIN="vw-ansible-alloc"
VDPA_DOMAIN="vw-ansible-vdpa"
POOL="vw-ansible-pool"
. "$ROOT/scripts/lib/libvirtd.sh"
. "$ROOT/scripts/lib/jdk.sh"
virtwire_find_jdk

for jar in provisioner/target/virtwire-provisioner.jar forwarder/target/virtwire-forwarder.jar; do
  if [ ! -f "$ROOT/$jar" ]; then
    echo "run-lifecycle-integration: $ROOT/$jar is not built: run ./scripts/setup" >&2
    exit 1
  fi
done

WORK="$(mktemp -d /tmp/vmnet-lifecycle-it.XXXXXX)"
FW_PID=""
DEFINED=()
POOL_DEFINED=0
VETH=""
cleanup() {
  if [ -n "$VETH" ]; then
    ip link del "$VETH" 2>/dev/null || true
  fi
  for domain in "${DEFINED[@]}"; do
    virsh -c qemu:///system undefine "$domain" >/dev/null 2>&1 || echo "run-lifecycle-integration: could not undefine $domain" >&2
  done
  if [ "$POOL_DEFINED" = 1 ]; then
    virsh -c qemu:///system net-undefine "$POOL" >/dev/null 2>&1 || echo "run-lifecycle-integration: could not undefine network $POOL" >&2
  fi
  if [ -n "$FW_PID" ]; then
    kill "$FW_PID" 2>/dev/null || true
    wait "$FW_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The fixture hosts are bundled in the jar as manifests; FixtureHosts rebuilds each tree (as run-host-integration.sh).
CP="$ROOT/provisioner/target/virtwire-provisioner.jar:$ROOT/provisioner/target/lib/*"
for host in i350-igb-8vfs cx6dx-switchdev; do
  printf 'io.virtwire.provisioner.host.FixtureHosts.materialize("%s", java.nio.file.Path.of("%s"));\n/exit\n' \
    "$host" "$WORK/$host" | "$JAVA_HOME/bin/jshell" -q --class-path "$CP" >"$WORK/jshell-$host.log" 2>&1
  if [ ! -d "$WORK/$host/sys" ]; then
    cat "$WORK/jshell-$host.log"
    echo "run-lifecycle-integration: could not materialize the fixture host $host" >&2
    exit 1
  fi
done
# check_mode.yml gets a fixture host of its own (reconciliation changes its VF 0 at the end)
cp -a "$WORK/i350-igb-8vfs" "$WORK/i350-check"
mkdir -p "$WORK/state-i350" "$WORK/state-cx6" "$WORK/state-check" "$WORK/run"

# The forwarder, on a control socket of its own
"$FORWARDER" --control "$WORK/fw.sock" >"$WORK/forwarder.log" 2>&1 &
FW_PID=$!
for _ in $(seq 1 60); do
  [ -S "$WORK/fw.sock" ] && break
  kill -0 "$FW_PID" 2>/dev/null || { cat "$WORK/forwarder.log"; echo "run-lifecycle-integration: the forwarder did not start" >&2; exit 1; }
  sleep 0.5
done
[ -S "$WORK/fw.sock" ] || { cat "$WORK/forwarder.log"; echo "run-lifecycle-integration: no control socket after 30 s" >&2; exit 1; }

# libvirt: two inactive domains and a hostdev network over the fixture's second PF
virtwire_ensure_libvirtd
for domain in "$ALLOC_DOMAIN" "$VDPA_DOMAIN"; do
  if virsh -c qemu:///system dominfo "$domain" >/dev/null 2>&1; then
    # left over from an interrupted run of this script; the name is reserved for it
    if [ "$(virsh -c qemu:///system domstate "$domain")" != "shut off" ]; then
      echo "run-lifecycle-integration: domain $domain exists and runs: stop it first" >&2
      exit 1
    fi
    virsh -c qemu:///system undefine "$domain" >/dev/null
  fi
  "$CLI" define-domain --template vhostuser-memfd --name "$domain" --virt-type qemu >/dev/null
  DEFINED+=("$domain")
done
if virsh -c qemu:///system net-info "$POOL" >/dev/null 2>&1; then
  virsh -c qemu:///system net-undefine "$POOL" >/dev/null
fi
"$CLI" --host-root "$WORK/i350-igb-8vfs" xml network --name "$POOL" --pf enp1s0f1 >"$WORK/pool.xml"
virsh -c qemu:///system net-define "$WORK/pool.xml" >/dev/null
POOL_DEFINED=1

# an existing interface for an AF_PACKET port
ip link del vwit-a 2>/dev/null || true   # left over from an interrupted run; the name is reserved for it
ip link add vwit-a type veth peer name vwit-b
VETH=vwit-a

printf '[defaults]\n' >"$WORK/ansible.cfg"
export ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$ROOT/ansible"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0

playbook() { # name, diff pattern, extra args...
  local name="$1" pattern="$2"
  shift 2
  local log="$WORK/${name%.yml}.log"
  echo "run-lifecycle-integration: $name"
  if ! ansible-playbook -i "$HERE/inventory.ini" --diff "$HERE/$name" -e "virtwire_cli=$CLI" -e "fw_sock=$WORK/fw.sock" \
      -e "work_dir=$WORK" "$@" >"$log" 2>&1; then
    cat "$log"
    echo "run-lifecycle-integration: FAILED: $name (log above)" >&2
    return 1
  fi
  grep -E '^localhost ' "$log" | sed 's/^/  /'
  if ! grep -qE "$pattern" "$log"; then
    cat "$log"
    echo "run-lifecycle-integration: FAILED: $name: --diff did not print $pattern" >&2
    return 1
  fi
}

playbook allocation.yml '^\+ *<interface type=.hostdev' -e "i350_root=$WORK/i350-igb-8vfs" -e "cx6_root=$WORK/cx6dx-switchdev" \
  -e "state_i350=$WORK/state-i350" -e "state_cx6=$WORK/state-cx6" -e "run_dir=$WORK/run" \
  -e "alloc_domain=$ALLOC_DOMAIN" -e "vdpa_domain=$VDPA_DOMAIN" -e "pool_network=$POOL"
playbook forwarder_port.yml '^\+    "vlan"' -e "veth=$VETH"
playbook check_mode.yml 'Nothing changed, and what reconciliation would do was reported' -e "check_root=$WORK/i350-check" \
  -e "state_check=$WORK/state-check" -e "run_dir=$WORK/run" -e "alloc_domain=$ALLOC_DOMAIN"

echo "run-lifecycle-integration: passed"
