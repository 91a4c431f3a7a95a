#!/bin/sh
# The operator shell's curl: the real one (/usr/bin/curl) with the step's arguments as
# given, plus `-D <file>` so the headers of every answer are kept aside. The harness
# reads the status lines after the step, so a 502 is recorded even when the command
# prints no status (no -i, no -w) and exits 0 (no -f). Output and exit status are
# curl's own. A command that dumps headers itself (-D) keeps its own and is not observed.
log="${DRILL_HTTP_LOG:-}"
[ -n "$log" ] || exec /usr/bin/curl "$@"
for a in "$@"; do
  case "$a" in
    -D|--dump-header|--dump-header=*) exec /usr/bin/curl "$@" ;;
    --*) ;;
    -*D*) exec /usr/bin/curl "$@" ;;
  esac
done
headers=$(mktemp /tmp/.drill-curl.XXXXXX) || exec /usr/bin/curl "$@"
/usr/bin/curl "$@" -D "$headers"
rc=$?
{
  for a in "$@"; do
    case "$a" in
      http://*|https://*|localhost*|127.0.0.1*) printf 'url\t%s\n' "$a" ;;
    esac
  done
  grep -a '^HTTP/' "$headers" | tr -d '\r' | sed 's/^/status\t/'
  printf 'exit\t%s\n' "$rc"
} >>"$log" 2>/dev/null
rm -f "$headers"
exit "$rc"
