#!/usr/bin/env bash
# All tests of the virtwire.vmnet collection: pytest unit tests, ansible-doc on every module, the
# ansible-test sanity tests that run offline, then the ansible-playbook integration tests.
# Exits non-zero when any fails. Installs nothing (./scripts/setup provides ansible-core and python3-pytest).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
COLLECTIONS="$(cd "$HERE/.." && pwd)"
COLLECTION="$COLLECTIONS/ansible_collections/virtwire/vmnet"
# Debian's interpreter: the one ansible-core and python3-pytest are installed for (a pyenv python3 on PATH has neither).
PYTHON=/usr/bin/python3
PYTHON_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

echo "run-all: unit tests"
(cd "$COLLECTION" && "$PYTHON" -m pytest -q -p no:cacheprovider tests/unit)

echo "run-all: ansible-doc"
for module in "$COLLECTION"/plugins/modules/*.py; do
  name="virtwire.vmnet.$(basename "$module" .py)"
  ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-doc --json "$name" >/dev/null
  echo "  $name"
done

echo "run-all: fleet example (syntax and inventory)"
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-playbook --syntax-check -i "$COLLECTIONS/examples/fleet/inventory.yml" \
  "$COLLECTIONS/examples/fleet/site.yml" | sed 's/^/  /'
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-inventory -i "$COLLECTIONS/examples/fleet/inventory.yml" --list >/dev/null

# These sanity tests build a venv per test and pip-install pinned requirements from PyPI (after downloading
# get-pip from ci-files.testing.ansible.com); neither is reachable offline, so they are not run here.
# Their checks are covered offline by tests/unit/plugins/modules/test_documentation.py (docs vs argument_spec)
# and ansible-doc above.
NEEDS_PYPI=(ansible-doc changelog import pep8 pylint runtime-metadata validate-modules yamllint)
echo "run-all: ansible-test sanity (offline tests; not: ${NEEDS_PYPI[*]})"
skips=()
for test in "${NEEDS_PYPI[@]}"; do skips+=(--skip-test "$test"); done
(cd "$COLLECTION" && ansible-test sanity --python "$PYTHON_VERSION" "${skips[@]}" 2>&1 | grep -v '^WARNING.*locale') || {
  echo "run-all: ansible-test sanity failed" >&2
  exit 1
}

echo "run-all: integration tests"
"$HERE/run-integration.sh"
