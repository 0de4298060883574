#!/usr/bin/env bash
# Integration test of vmnet_host and vmnet_info's host part: ansible-playbook against localhost on a copy of
# the bundled fixture host i350-igb-8vfs (--host-root), where the CLI drives its simulated kernel.
# Needs a virtwire with the 'host' commands (issue 3). Usage: run-host-integration.sh [VIRTWIRE_LAUNCHER]
# (default: bin/virtwire of this checkout). Installs nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/ansible/tests/integration"
CLI="$(readlink -f "${1:-$ROOT/bin/virtwire}")"
CLI_HOME="$(cd "$(dirname "$CLI")/.." && pwd)"

# (--help would not tell: picocli prints the top-level help for an unknown subcommand and exits 0)
probe="$("$CLI" host plan -f /nonexistent/host.yaml 2>&1 || true)"
if [[ "$probe" == *"Unmatched argument"* ]]; then
  echo "run-host-integration: $CLI has no 'host' commands (issue 3): nothing to test against" >&2
  exit 1
fi

WORK="$(mktemp -d /tmp/vmnet-host-it.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# The fixture hosts are bundled in the jar as manifests (symlinks survive no jar); FixtureHosts rebuilds the tree.
. "$CLI_HOME/scripts/lib/jdk.sh"
virtwire_find_jdk
CP="$CLI_HOME/provisioner/target/virtwire-provisioner.jar:$CLI_HOME/provisioner/target/lib/*"
printf 'io.virtwire.provisioner.host.FixtureHosts.materialize("i350-igb-8vfs", java.nio.file.Path.of("%s"));\n/exit\n' \
  "$WORK/host" | "$JAVA_HOME/bin/jshell" -q --class-path "$CP" >"$WORK/jshell.log" 2>&1
if [ ! -d "$WORK/host/sys" ]; then
  cat "$WORK/jshell.log"
  echo "run-host-integration: could not materialize the fixture host" >&2
  exit 1
fi

printf '[defaults]\n' >"$WORK/ansible.cfg"
export ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$ROOT/ansible"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"

echo "run-host-integration: host_profile.yml on $WORK/host"
if ! ansible-playbook -i "$HERE/inventory.ini" --diff "$HERE/host_profile.yml" -e "virtwire_cli=$CLI" \
    -e "host_root=$WORK/host" -e "work_dir=$WORK" >"$WORK/host_profile.log" 2>&1; then
  cat "$WORK/host_profile.log"
  echo "run-host-integration: FAILED: host_profile.yml (log above)" >&2
  exit 1
fi
grep -E '^localhost ' "$WORK/host_profile.log" | sed 's/^/  /'
grep -q 'ip link set enp1s0f1 vf 0 mac 52:54:00:10:00:00' "$WORK/host_profile.log" || {
  cat "$WORK/host_profile.log"; echo "run-host-integration: FAILED: --diff did not show the plan" >&2; exit 1; }
echo "run-host-integration: passed"
