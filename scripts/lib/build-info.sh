# Sourced by scripts/*: the git commit a build is made from, for `--version` (pom.xml: virtwire.commit).
# A commit id (12 hex digits), with "-dirty" when tracked files differ from it; "unknown" without git.
virtwire_commit() {
  local id
  id="$(git -C "${1:-.}" rev-parse --short=12 HEAD 2>/dev/null)" || { echo unknown; return 0; }
  if [ -n "$(git -C "${1:-.}" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    id="$id-dirty"
  fi
  echo "$id"
}
