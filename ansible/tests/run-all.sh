#!/usr/bin/env bash
# All tests of the virtwire.vmnet collection: pytest unit tests, then the ansible-playbook integration tests.
# Exits non-zero when any fails. Installs nothing (./scripts/setup provides ansible-core and python3-pytest).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
COLLECTION="$HERE/../ansible_collections/virtwire/vmnet"
# Debian's interpreter: the one ansible-core and python3-pytest are installed for (a pyenv python3 on PATH has neither).
PYTHON=/usr/bin/python3

echo "run-all: unit tests"
(cd "$COLLECTION" && "$PYTHON" -m pytest -q -p no:cacheprovider tests/unit)

echo "run-all: integration tests"
"$HERE/run-integration.sh"
