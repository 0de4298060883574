#!/usr/bin/env bash
# All tests of the virtwire.vmnet collection: pytest unit tests, ansible-doc on every module and the role, the
# fleet example's syntax, ansible-test sanity (offline, see run-sanity.sh), then the ansible-playbook integration
# tests. Exits non-zero when any fails. ./scripts/setup provides ansible-core, python3-pytest and the sanity tools;
# run-sanity.sh only creates virtualenvs over them. The last test (run-role-integration.sh, root) installs the
# virtwire .deb on this host with the role and purges it again; it refuses to run over an installed virtwire.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
COLLECTIONS="$(cd "$HERE/.." && pwd)"
COLLECTION="$COLLECTIONS/ansible_collections/virtwire/vmnet"
# Debian's interpreter: the one ansible-core and python3-pytest are installed for (a pyenv python3 on PATH has neither).
PYTHON=/usr/bin/python3

echo "run-all: unit tests"
(cd "$COLLECTION" && "$PYTHON" -m pytest -q -p no:cacheprovider tests/unit)

echo "run-all: ansible-doc"
for module in "$COLLECTION"/plugins/modules/*.py; do
  name="virtwire.vmnet.$(basename "$module" .py)"
  ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-doc --json "$name" >/dev/null
  echo "  $name"
done

echo "run-all: ansible-doc of the role"
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-doc -t role --json virtwire.vmnet.hypervisor >/dev/null
echo "  virtwire.vmnet.hypervisor"

echo "run-all: fleet example (syntax and inventory)"
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-playbook --syntax-check -i "$COLLECTIONS/examples/fleet/inventory.yml" \
  "$COLLECTIONS/examples/fleet/site.yml" | sed 's/^/  /'
ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ansible-inventory -i "$COLLECTIONS/examples/fleet/inventory.yml" --list >/dev/null

echo "run-all: ansible-test sanity"
"$HERE/run-sanity.sh"

echo "run-all: integration tests"
"$HERE/run-integration.sh"

echo "run-all: host profile integration (fixture host, simulated kernel)"
"$HERE/run-host-integration.sh"

echo "run-all: allocation and forwarder integration (fixture hosts, real libvirtd, a forwarder daemon)"
"$HERE/run-lifecycle-integration.sh"

echo "run-all: role virtwire.vmnet.hypervisor (installs the .deb on this host, twice, then purges it)"
"$HERE/run-role-integration.sh"
