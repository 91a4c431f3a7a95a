#!/bin/sh
# Make localhost:<port> inside the shell reach the drill's services, as the published
# ports do on the production host. OPERATOR_FORWARDS is a space-separated list of
# <local port>:<service host>:<service port>; one socat per port, one child per
# connection, resolving the service name at connect time (so a restarted or
# recreated container is found again).
set -eu
ports=""
for spec in ${OPERATOR_FORWARDS:-}; do
  port=${spec%%:*}
  target=${spec#*:}
  socat "TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr" "TCP:${target}" &
  ports="$ports $port"
done
# Ready once every forwarder listens; the harness waits for this file.
for port in $ports; do
  until ss -Hltn "sport = :${port}" | grep -q .; do sleep 0.05; done
done
touch /run/operator-shell.ready
exec sleep infinity
