#!/bin/sh
# Starts as root only to make the log directory (often a freshly mounted volume)
# writable by the unprivileged `app` user, then runs the command as `app`.
# Run with --user to skip this (the app then logs to stdout only if it cannot
# write $LOG_DIR).
set -e
LOG_DIR="${LOG_DIR:-/mnt/logs}"
if [ "$(id -u)" = "0" ]; then
    mkdir -p "$LOG_DIR" 2>/dev/null || true
    chown app:app "$LOG_DIR" 2>/dev/null || true
    [ -e "$LOG_DIR/app.log" ] && chown app:app "$LOG_DIR/app.log" 2>/dev/null || true
    exec setpriv --reuid=app --regid=app --init-groups -- "$@"
fi
exec "$@"
