# Sourced by the project's scripts: points JAVA_HOME at a JDK 25 (the default java here is 17).
# Keeps a JAVA_HOME that is already 25 or newer; otherwise takes the Temurin 25 that this machine kind ships.
_tcp_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(_tcp_java_major "$JAVA_HOME")" -lt 25 ] 2>/dev/null; then
  for _tcp_candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/temurin-2[6-9]-jdk-* /usr/lib/jvm/*25*; do
    if [ -x "$_tcp_candidate/bin/javac" ]; then JAVA_HOME=$_tcp_candidate; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || [ "$(_tcp_java_major "$JAVA_HOME")" -lt 25 ] 2>/dev/null; then
  echo "error: no JDK 25 found (set JAVA_HOME to one)" >&2
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
unset _tcp_candidate
