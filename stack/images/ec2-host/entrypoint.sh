#!/bin/sh
# The drill mounts its own keys at /drill/ssh (read-only). sshd refuses a host key or an
# authorized_keys file that others can read or that the wrong user owns, so they are
# installed with the owners and modes they have on an instance, whoever wrote them.
set -eu
install -m 600 -o root -g root /drill/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_rsa_key
install -d -m 700 -o ubuntu -g ubuntu /home/ubuntu/.ssh
install -m 600 -o ubuntu -g ubuntu /drill/ssh/authorized_keys /home/ubuntu/.ssh/authorized_keys
# -D: stay in the foreground; -e: log to stderr (docker logs), as there is no syslog.
exec /usr/sbin/sshd -D -e
