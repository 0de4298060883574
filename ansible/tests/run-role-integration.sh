#!/usr/bin/env bash
# Integration test of the role virtwire.vmnet.hypervisor: ansible-playbook against localhost (connection local)
# with the freshly built .deb, twice: the first run installs the package, the libvirt hook and the host profile
# (changed > 0), the second reports changed=0. Then check mode (changed=0), and the package is purged.
#
# Usage: run-role-integration.sh [DEB]   (default: scripts/package builds build/dist/virtwire_*_amd64.deb)
# Needs root (dpkg). Refuses to run when a virtwire package is installed already (another test's, or the host's):
# it would replace and purge it. What it installs it removes again, also on failure: the package (dpkg --purge),
# and the hook, which goes to a private hooks directory under its temp dir, not /etc/libvirt/hooks, so that the
# shared libvirtd never runs it (and the role does not signal libvirtd: virtwire_hook_reload false).
# The host profile is applied to a fixture host (the CLI's simulated kernel), as in run-host-integration.sh.
# Where systemd runs, the services are enabled and started; where it does not (a container), the role says so
# and this test checks that message.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/ansible/tests/integration"
fail() { echo "run-role-integration: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg -i / --purge): run it as root"
for tool in dpkg dpkg-deb ansible-playbook; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt install dpkg ansible-core)"
done
/usr/bin/python3 -c 'import apt' 2>/dev/null || fail "python3-apt is missing (ansible's apt module needs it): apt install python3-apt"

installed() { dpkg-query -W -f='${db:Status-Abbrev}' virtwire 2>/dev/null || true; }
case "$(installed)" in
  ''|'un '*|'pn '*) ;;
  *) fail "a virtwire package is already installed on this host ($(installed | tr -d ' ')): this test would replace and purge it; run it when that one is gone" ;;
esac
[ ! -e /usr/bin/virtwire ] || fail "/usr/bin/virtwire exists outside dpkg: remove it first"

# The .deb of this commit: the one in build/dist when its changelog names this (clean) commit, as after
# packaging/tests/package-it.sh in scripts/test; else scripts/package builds it.
. "$ROOT/scripts/lib/build-info.sh"
built_from() { dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/doc/virtwire/changelog.Debian.gz | gzip -dc \
  | sed -n 's/.*Built from commit \([^ ]*\) .*/\1/p'; }
DEB="${1:-}"
if [ -z "$DEB" ]; then
  COMMIT="$(virtwire_commit "$ROOT")"
  DEB="$(ls -t "$ROOT"/build/dist/virtwire_*_amd64.deb 2>/dev/null | head -1 || true)"
  if [[ "$COMMIT" == *-dirty ]] || [ -z "$DEB" ] || [ "$(built_from "$DEB")" != "$COMMIT" ]; then
    echo "run-role-integration: scripts/package (commit $COMMIT)"
    (cd "$ROOT" && scripts/package) >/dev/null
    DEB="$(ls -t "$ROOT"/build/dist/virtwire_*_amd64.deb | head -1)"
  fi
fi
DEB="$(readlink -f "$DEB")"
[ -f "$DEB" ] || fail "no such .deb: $DEB"
VERSION="$(dpkg-deb -f "$DEB" Version)"

WORK="$(mktemp -d /tmp/role-it.XXXXXX)"
OURS=0  # set once dpkg may have installed our package: only then is it ours to purge
cleanup() {
  if [ "$OURS" = 1 ]; then
    if [ -x /usr/bin/virtwire ]; then
      /usr/bin/virtwire hook uninstall --hooks-dir "$WORK/hooks" >/dev/null 2>&1 || true
    fi
    dpkg --purge virtwire >/dev/null 2>&1 || echo "run-role-integration: dpkg --purge virtwire failed: purge it by hand" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The fixture host for the host profile (the tree scripts/package built).
. "$ROOT/scripts/lib/jdk.sh"
virtwire_find_jdk
CP="$ROOT/provisioner/target/virtwire-provisioner.jar:$ROOT/provisioner/target/lib/*"
printf 'io.virtwire.provisioner.host.FixtureHosts.materialize("i350-igb-8vfs", java.nio.file.Path.of("%s"));\n/exit\n' \
  "$WORK/host" | "$JAVA_HOME/bin/jshell" -q --class-path "$CP" >"$WORK/jshell.log" 2>&1
[ -d "$WORK/host/sys" ] || { cat "$WORK/jshell.log"; fail "could not materialize the fixture host"; }
NUMVFS="$WORK/host/sys/class/net/enp1s0f1/device/sriov_numvfs"
[ "$(cat "$NUMVFS")" != 2 ] || fail "the fixture host has 2 VFs on enp1s0f1 already: the profile would change nothing"

cat >"$WORK/vars.yml" <<VARS
virtwire_package_path: "$DEB"
virtwire_hooks_dir: "$WORK/hooks"
virtwire_hook_reload: false
virtwire_host_root: "$WORK/host"
virtwire_host_profile:
  pfs:
    - pf: enp1s0f1
      numVfs: 2
      vfs:
        - {index: 0, mac: "52:54:00:10:00:00", vlan: 100}
VARS

printf '[defaults]\n' >"$WORK/ansible.cfg"
export ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$ROOT/ansible"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"

play() { # NAME [ARGS...]: runs the role playbook, prints its recap line
  local name="$1"; shift
  if ! ansible-playbook -i "$HERE/inventory.ini" "$HERE/hypervisor_role.yml" -e "@$WORK/vars.yml" "$@" \
      >"$WORK/$name.log" 2>&1; then
    cat "$WORK/$name.log"
    fail "$name (log above)"
  fi
  grep -E '^localhost ' "$WORK/$name.log" | sed "s/^/  $name: /"
}
changed() { sed -n 's/^localhost .* changed=\([0-9]*\) .*/\1/p' "$WORK/$1.log"; }

echo "run-role-integration: check mode before the install"
OURS=1  # from here on dpkg may have installed our package
play before --check
[ "$(changed before)" -gt 0 ] || { cat "$WORK/before.log"; fail "check mode before the install reported no change"; }
[ -z "$(installed | grep -v '^[up]n')" ] || fail "check mode installed virtwire: $(installed)"
[ ! -e "$WORK/hooks" ] && [ "$(cat "$NUMVFS")" != 2 ] || fail "check mode wrote the hook or applied the profile"

echo "run-role-integration: first run ($DEB)"
play first
[ "$(changed first)" -gt 0 ] || fail "the first run changed nothing"
[ "$(installed)" = "ii " ] || fail "virtwire is not installed after the first run: $(installed)"
[ "$(dpkg-query -W -f='${Version}' virtwire)" = "$VERSION" ] || fail "installed $(dpkg-query -W -f='${Version}' virtwire), not $VERSION"
HOOK="$WORK/hooks/qemu.d/virtwire"
[ -x "$HOOK" ] || fail "no hook at $HOOK"
grep -q "'/usr/bin/virtwire' " "$HOOK" || { cat "$HOOK"; fail "the hook does not run /usr/bin/virtwire"; }
[ "$(cat "$NUMVFS")" = 2 ] || fail "the host profile was not applied: sriov_numvfs is $(cat "$NUMVFS")"
if [ -d /run/systemd/system ]; then
  for unit in virtwire-forwarder virtwire-watch; do
    systemctl is-enabled --quiet "$unit" || fail "$unit is not enabled"
  done
else
  grep -q 'systemd does not run on localhost' "$WORK/first.log" || fail "no message that the services were skipped"
  grep -A3 'Enable the virtwire services' "$WORK/first.log" | grep -q skipping || fail "the services task was not skipped"
fi

echo "run-role-integration: second run"
play second
[ "$(changed second)" = 0 ] || { cat "$WORK/second.log"; fail "the second run reported changed=$(changed second), not 0"; }

echo "run-role-integration: check mode"
play check --check
[ "$(changed check)" = 0 ] || { cat "$WORK/check.log"; fail "check mode reported changed=$(changed check), not 0"; }

refused() { # EXPECTED-TEXT EXTRA-VARS...: the role fails with that text, and changes nothing
  local expected="$1"; shift
  if ansible-playbook -i "$HERE/inventory.ini" "$HERE/hypervisor_role.yml" -e "@$WORK/vars.yml" "$@" \
      >"$WORK/bad.log" 2>&1; then
    fail "accepted: $*"
  fi
  grep -q "$expected" "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "no clear message ($expected) for: $*"; }
  grep -qE '^localhost .* changed=0 ' "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "changed something: $*"; }
}
echo "run-role-integration: bad input is refused before anything changes"
refused 'give the profile one way only' -e virtwire_host_profile_file=/nonexistent.yaml
refused 'not both' -e "virtwire_package_src=$DEB"

purge() {
  /usr/bin/virtwire hook uninstall --hooks-dir "$WORK/hooks" >/dev/null
  [ ! -e "$HOOK" ] || fail "hook uninstall left $HOOK"
  dpkg --purge virtwire >/dev/null || fail "dpkg --purge virtwire"
  [ -z "$(installed | grep -v '^[up]n')" ] || fail "virtwire still installed after purge: $(installed)"
}
echo "run-role-integration: purge"
purge

# The .deb from the controller (virtwire_package_src): copied to the cache directory, then installed.
sed -i "s|^virtwire_package_path: .*|virtwire_package_src: \"$DEB\"\nvirtwire_package_cache_dir: \"$WORK/cache\"|" "$WORK/vars.yml"
echo "run-role-integration: the .deb from the controller, first run"
play src-first
[ "$(changed src-first)" -gt 0 ] || fail "the first run from the controller's .deb changed nothing"
[ "$(installed)" = "ii " ] || fail "virtwire is not installed from the controller's .deb: $(installed)"
cmp -s "$DEB" "$WORK/cache/$(basename "$DEB")" || fail "the .deb was not copied to $WORK/cache"
echo "run-role-integration: the .deb from the controller, second run"
play src-second
[ "$(changed src-second)" = 0 ] || { cat "$WORK/src-second.log"; fail "the second run reported changed=$(changed src-second), not 0"; }
echo "run-role-integration: purge"
purge
OURS=0
echo "run-role-integration: passed"
