# Sourced by scripts/* and bin/*: picks a JDK >= 25 and exports JAVA_HOME, or explains how to get one.
# Order: $JAVA_HOME if it is >= 25, then /usr/lib/jvm/* (newest first).
virtwire_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

virtwire_find_jdk() {
  # Maven 3.8 on JDK 25 warns about its own sun.misc.Unsafe use; that is not our code.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  local candidate major
  for candidate in ${JAVA_HOME:+"$JAVA_HOME"} $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major="$(virtwire_java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  cat >&2 <<'MSG'
virtwire: no JDK 25 or newer found (looked at $JAVA_HOME and /usr/lib/jvm/*).
  Install one, for example Temurin 25 (apt: temurin-25-jdk from the Adoptium repository,
  or Debian/Ubuntu's openjdk-25-jdk where the release has it), or set JAVA_HOME to a JDK >= 25.
MSG
  return 1
}
