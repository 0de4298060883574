#!/usr/bin/env bash
# ansible-test sanity for virtwire.vmnet, offline and without ignore files.
#
# Why the seeding: ansible-test 2.14 runs ansible-doc, import, pep8, pylint, runtime-metadata,
# validate-modules and yamllint each in its own virtualenv under ~/.ansible/test/venv/, which it fills by
# downloading get-pip.py from ci-files.testing.ansible.com and pip-installing pinned versions from PyPI.
# Neither is reachable here (only Debian and Maven Central). A virtualenv that already has its marker.txt
# is used as it is, so this script creates each one ansible-test asks for with --system-site-packages over
# the Debian packages scripts/setup installs (python3-voluptuous, python3-pycodestyle, pylint, yamllint):
# the same checks, with Debian's versions of the tools instead of the pinned ones.
# Not run: "changelog" (antsibull-changelog is neither in Debian nor reachable).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
COLLECTION="$HERE/../ansible_collections/virtwire/vmnet"
PYTHON=/usr/bin/python3
VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
VENV_CACHE="$HOME/.ansible/test/venv"
LOG="$(mktemp /tmp/vmnet-sanity.XXXXXX)"
trap 'rm -f "$LOG"' EXIT

seed() { # a sanity virtualenv over the system's packages, marked as ready
  local venv="$1"
  case "$venv" in
    "$VENV_CACHE"/sanity*/"$VERSION"/*) ;;
    *) echo "run-sanity: refusing to create a virtualenv outside $VENV_CACHE: $venv" >&2; return 1 ;;
  esac
  rm -rf "$venv"
  "/usr/bin/python$VERSION" -m venv --system-site-packages --without-pip "$venv"
  echo '[]' >"$venv/meta.install.json"
  "$venv/bin/python" -c 'import json
try:
    import yaml
except ImportError:
    yaml = None
print(json.dumps(dict(yaml=bool(yaml), cloader=bool(yaml and hasattr(yaml, "CLoader")))))' >"$venv/meta.yaml.json"
  touch "$venv/marker.txt"
  echo "run-sanity: seeded $venv"
}

sanity() {
  (cd "$COLLECTION" && ansible-test sanity --python "$VERSION" --skip-test changelog "$@") >"$LOG" 2>&1
}

# Each venv test alone first: it fails within a second when its virtualenv is missing, naming the path.
for test in ansible-doc import pep8 pylint runtime-metadata validate-modules yamllint; do
  for attempt in 1 2 3; do
    if sanity --test "$test"; then
      break
    fi
    venv="$(sed -n 's/^FATAL: Python [0-9.]* at "\(.*\)\/bin\/python" does not have pip available\.$/\1/p' "$LOG")"
    if [ -z "$venv" ] || [ "$attempt" = 3 ]; then
      grep -v 'WARNING.*locale' "$LOG" >&2
      echo "run-sanity: FAILED: $test" >&2
      exit 1
    fi
    seed "$venv"
  done
done

# Then every test in one run, so the summary covers them all.
if ! sanity; then
  grep -v 'WARNING.*locale' "$LOG" >&2
  echo "run-sanity: FAILED" >&2
  exit 1
fi
grep -c '^Running sanity test' "$LOG" | sed 's/^/run-sanity: passed: /; s/$/ sanity tests (all but changelog)/'
