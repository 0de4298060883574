#!/usr/bin/env bash
# Package IT (issue 16), run by scripts/test after mvn verify (which leaves the tree built, so scripts/package only
# packages). Builds the package once, then:
#   1. lintian on the .deb: no errors (warnings kept on purpose are in docs/packaging.md);
#   2. dpkg-deb -x into a temp root and runs the launchers (and the CNI plugin) from there with JAVA_HOME unset and /usr/lib/jvm hidden
#      under a tmpfs in a private mount namespace (unshare -m): only the bundled runtime can serve;
#   3. as root: dpkg -i, virtwire --version from /usr/bin, virtwire-cni VERSION from /usr/lib/cni, dpkg --purge, and
#      no file of the package left behind.
# Exits non-zero at the first failure, naming it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/build-info.sh

fail() { echo "package-it: FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "$1 is missing: install the Debian package $2 (apt-get install $2; scripts/setup does)"; }
need lintian lintian
need dpkg-deb dpkg
need unshare util-linux
need python3 python3

echo "package-it: scripts/package"
scripts/package
COMMIT="$(virtwire_commit)"
DEBS=(build/dist/virtwire_*_amd64.deb)
[ ${#DEBS[@]} -eq 1 ] || fail "expected one build/dist/virtwire_*_amd64.deb, found: ${DEBS[*]}"
DEB="${DEBS[0]}"
UPSTREAM="$(sed -n 's/^version=//p' provisioner/target/classes/io/virtwire/provisioner/cli/build-info.properties)"

echo "package-it: lintian $DEB"
# --fail-on error: exit non-zero on an E: tag (overridden tags are listed in the package's lintian overrides)
lintian --fail-on error "$DEB" || fail "lintian reports errors on $DEB"

echo "package-it: the .tar.gz holds the same tree as the .deb"
TARBALL="build/dist/virtwire-$(dpkg-deb -f "$DEB" Version)-linux-x86_64.tar.gz"
[ -f "$TARBALL" ] || fail "$TARBALL is missing"
diff <(dpkg-deb -c "$DEB" | awk '{print $1, $6}' | sed 's| \./| |; s|/$||' | grep -v ' $' | sort) \
     <(tar -tvzf "$TARBALL" | awk '{print $1, $6}' | sed 's|/$||' | sort) >/dev/null \
  || fail "$TARBALL and $DEB differ in paths or modes"
echo "  ok: same paths and modes"

ROOT="$(mktemp -d /tmp/pkg-it.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
dpkg-deb -x "$DEB" "$ROOT"

echo "package-it: launchers from the unpacked tree, JAVA_HOME unset, /usr/lib/jvm hidden"
# root mounts in its own namespace; anyone else in a user namespace of its own (-r)
UNSHARE=(unshare -m)
[ "$(id -u)" -eq 0 ] || UNSHARE=(unshare -r -m)
export PKG_ROOT="$ROOT" PKG_COMMIT="$COMMIT" PKG_VERSION="$UPSTREAM"
env -u JAVA_HOME -u LIBVIRT_DEFAULT_URI "${UNSHARE[@]}" bash -euo pipefail -c '
  fail() { echo "package-it: FAIL: $*" >&2; exit 1; }
  mount --make-rprivate / 2>/dev/null || true
  mount -t tmpfs pkg-it-nojvm /usr/lib/jvm
  [ -z "$(ls -A /usr/lib/jvm)" ] || fail "/usr/lib/jvm is not hidden"
  [ -z "${JAVA_HOME:-}" ] || fail "JAVA_HOME is set"
  V="$PKG_ROOT/usr/bin/virtwire"
  F="$PKG_ROOT/usr/bin/virtwire-forwarder"
  check() { # check WHAT EXPECTED-TEXT COMMAND...: runs it, which must succeed and print EXPECTED-TEXT
    local what="$1" expected="$2" out; shift 2
    out="$("$@" 2>&1)" || fail "$what: exit $?: $out"
    printf "%s" "$out" | grep -qF -- "$expected" || fail "$what: no \"$expected\" in: $out"
    echo "  ok: $what"
  }
  json() { # json WHAT PROGRAM...: --version --output json must be exactly {version, commit} of this build
    local what="$1" out; shift
    out="$("$@" --version --output json)" || fail "$what: exit $?"
    python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d=={\"version\":sys.argv[2],\"commit\":sys.argv[3]}, d" \
      "$out" "$PKG_VERSION" "$PKG_COMMIT" || fail "$what: $out"
    echo "  ok: $what"
  }
  check "virtwire --version" "virtwire $PKG_VERSION (commit $PKG_COMMIT)" "$V" --version
  json "virtwire --version --output json" "$V"
  check "virtwire --help" "domiflist" "$V" --help
  check "virtwire domiflist" "testnet0" "$V" -c test:///default domiflist test
  check "virtwire xml network" "<address type=\"pci\" domain=\"0x0000\" bus=\"0x03\" slot=\"0x00\" function=\"0x1\"/>" \
    "$V" -c test:///default xml network --name pkg-it --vf 0000:03:00.1
  check "virtwire-forwarder --version" "virtwire-forwarder $PKG_VERSION (commit $PKG_COMMIT)" "$F" --version
  json "virtwire-forwarder --version --output json" "$F"
  check "virtwire-forwarder --help" "xconnect SOCK_A SOCK_B" "$F" --help
  # the AOT cache maps as shipped (AOTMode=on: the JVM stops when it cannot use it) ...
  check "virtwire --version on the AOT cache" "virtwire $PKG_VERSION" env VIRTWIRE_JAVA_OPTS=-XX:AOTMode=on "$V" --version
  check "virtwire domiflist on the AOT cache" "testnet0" env VIRTWIRE_JAVA_OPTS=-XX:AOTMode=on "$V" -c test:///default domiflist test
  check "virtwire-forwarder --version on its AOT cache" "virtwire-forwarder $PKG_VERSION" \
    env VIRTWIRE_FORWARDER_JAVA_OPTS=-XX:AOTMode=on "$F" --version
  # picocli (compiled for Java 5, upgraded to class file version 50 by scripts/package) comes from the cache too
  VIRTWIRE_JAVA_OPTS="-Xlog:class+load=info:file=$PKG_ROOT/class-load.log" "$V" --version >/dev/null
  grep -q "picocli.CommandLine source: shared objects file" "$PKG_ROOT/class-load.log" \
    || fail "picocli.CommandLine is not loaded from the AOT cache: $(grep "picocli.CommandLine " "$PKG_ROOT/class-load.log")"
  echo "  ok: picocli from the AOT cache"
  # JNA loads the shipped libjnidispatch.so: it needs no temporary directory to unpack its jar into
  check "virtwire domiflist without a JNA temporary directory" "testnet0" \
    env VIRTWIRE_JAVA_OPTS=-Djna.tmpdir=/proc/virtwire-pkg-it-no-tmp "$V" -c test:///default domiflist test
  # ... and without it the launcher still answers, its warning on stderr: stdout stays JSON
  mv "$PKG_ROOT/usr/lib/virtwire/virtwire.aot" "$PKG_ROOT/virtwire.aot.away"
  json "virtwire --version --output json without its AOT cache" "$V"
  mv "$PKG_ROOT/virtwire.aot.away" "$PKG_ROOT/usr/lib/virtwire/virtwire.aot"
  # the CNI plugin where runtimes look (/usr/lib/cni), on the same runtime and AOT cache: VERSION prints only the
  # CNI answer on stdout (a runtime parses it), and a bad call is a CNI error object with exit 1
  C="$PKG_ROOT/usr/lib/cni/virtwire-cni"
  [ -x "$C" ] || fail "$C is not in the package or not executable"
  cni_version() { # cni_version WHAT [ENV...]: VERSION must print exactly a CNI version answer listing 1.0.0
    local what="$1" out; shift
    out="$(env "$@" CNI_COMMAND=VERSION "$C" </dev/null)" || fail "$what: exit $?"
    python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert \"1.0.0\" in d[\"supportedVersions\"] and d[\"cniVersion\"], d" \
      "$out" || fail "$what: $out"
    echo "  ok: $what"
  }
  cni_version "virtwire-cni VERSION"
  cni_version "virtwire-cni VERSION on the AOT cache" VIRTWIRE_JAVA_OPTS=-XX:AOTMode=on
  ln -s "$C" "$PKG_ROOT/cni-link"
  C="$PKG_ROOT/cni-link" cni_version "virtwire-cni VERSION through a symlink (as /opt/cni/bin/virtwire-cni)"
  rc=0
  out="$(env CNI_COMMAND=ADD "$C" </dev/null)" || rc=$?
  [ "$rc" -eq 1 ] || fail "virtwire-cni ADD without CNI_CONTAINERID: exit $rc, not 1: $out"
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d[\"code\"]==4 and \"CNI_CONTAINERID\" in d[\"msg\"], d" "$out" \
    || fail "virtwire-cni ADD without CNI_CONTAINERID: $out"
  echo "  ok: virtwire-cni error in the CNI format"
  # the bundled runtime served (nothing else could: /usr/lib/jvm is empty here)
  check "bundled runtime" "java.base" "$PKG_ROOT/usr/lib/virtwire/runtime/bin/java" --list-modules
'

if [ "$(id -u)" -ne 0 ]; then
  echo "package-it: dpkg -i / --purge not run: needs root (the rest passed)"
  exit 0
fi
echo "package-it: dpkg -i, run, dpkg --purge"
case "$(dpkg-query -W -f='${db:Status-Abbrev}' virtwire 2>/dev/null || true)" in
  ""|un*) ;;
  *) fail "a virtwire package is already installed on this host: this test would replace and purge it (dpkg --purge virtwire first)" ;;
esac
[ ! -e /usr/bin/virtwire ] && [ ! -e /usr/lib/virtwire ] && [ ! -e /etc/virtwire ] \
  || fail "/usr/bin/virtwire, /usr/lib/virtwire or /etc/virtwire exists outside dpkg: remove it first"
# the package's own files and directories (not shared ones like /usr/bin), to check after the purge
mapfile -t FILES < <(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^/$')
DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >/dev/null || fail "dpkg -i $DEB"
trap 'rm -rf "$ROOT"; dpkg --purge virtwire >/dev/null 2>&1 || true' EXIT
out="$(env -u JAVA_HOME /usr/bin/virtwire --version)" || fail "/usr/bin/virtwire --version: exit $?"
echo "$out" | grep -qF "virtwire $UPSTREAM (commit $COMMIT)" || fail "/usr/bin/virtwire --version: $out"
echo "  ok: /usr/bin/virtwire --version"
# installed by dpkg (its own mtimes, another path than the build's): the shipped AOT cache still maps
out="$(env -u JAVA_HOME VIRTWIRE_JAVA_OPTS=-XX:AOTMode=on /usr/bin/virtwire --version 2>&1)" \
  || fail "/usr/bin/virtwire does not map its AOT cache (VIRTWIRE_JAVA_OPTS=-XX:AOTMode=on): $out"
echo "  ok: /usr/bin/virtwire on its AOT cache"
out="$(env -u JAVA_HOME CNI_COMMAND=VERSION /usr/lib/cni/virtwire-cni </dev/null)" || fail "/usr/lib/cni/virtwire-cni VERSION: exit $?"
echo "$out" | grep -qF '"supportedVersions"' || fail "/usr/lib/cni/virtwire-cni VERSION: $out"
echo "  ok: /usr/lib/cni/virtwire-cni VERSION"
dpkg-query -W -f='${Conffiles}' virtwire | grep -q '/etc/virtwire/forwarder.yaml' || fail "forwarder.yaml is not a conffile"
echo "  ok: /etc/virtwire/forwarder.yaml is a conffile"
# the boot-time host profile unit (issue 17): shipped, ordered before libvirt, valid for systemd
UNIT=/usr/lib/systemd/system/virtwire-host.service
[ -f "$UNIT" ] || fail "$UNIT is not in the package"
grep -qx 'ExecStart=/usr/bin/virtwire host apply --boot' "$UNIT" || fail "$UNIT: ExecStart is not /usr/bin/virtwire host apply --boot"
grep -qx 'Before=libvirtd.service virtqemud.service virtwire-forwarder.service' "$UNIT" || fail "$UNIT is not ordered before libvirtd and virtqemud"
if command -v systemd-analyze >/dev/null; then
  out="$(systemd-analyze verify "$UNIT" 2>&1)" || fail "systemd-analyze verify $UNIT: $out"
  echo "  ok: virtwire-host.service passes systemd-analyze verify"
else
  echo "  note: systemd-analyze not installed, virtwire-host.service not verified"
fi
getent group virtwire >/dev/null || fail "postinst did not create the group virtwire that forwarder.yaml names (controlGroup)"
echo "  ok: group virtwire (forwarder.yaml's controlGroup) exists"
dpkg --purge virtwire >/dev/null || fail "dpkg --purge virtwire"
left=()
for f in "${FILES[@]}"; do
  case "$f" in
    /usr|/usr/bin|/usr/lib|/usr/lib/systemd|/usr/lib/systemd/system|/usr/share|/usr/share/doc|/usr/share/man|/usr/share/man/man1|/usr/share/man/man8|/usr/share/bash-completion|/usr/share/bash-completion/completions|/usr/share/lintian|/usr/share/lintian/overrides|/usr/lib/cni|/etc) continue ;;
  esac
  [ -e "$f" ] || [ -L "$f" ] && left+=("$f")
done
[ ${#left[@]} -eq 0 ] || fail "left behind after dpkg --purge: ${left[*]}"
echo "  ok: purged, nothing left behind (${#FILES[@]} paths checked)"
echo "package-it: passed"
