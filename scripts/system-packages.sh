#!/usr/bin/env bash
# Installs what the tests and the demo run against when it is missing: ovsdb-server and the Open
# vSwitch tools (openvswitch-switch), the OVN schemas and tools (ovn-central) and the Python IDL
# (python3-openvswitch), from Debian's packages. As root it installs them; otherwise it says how
# and fails. Does nothing when they are there, so every `npm test` can run it.
set -euo pipefail

PACKAGES=(openvswitch-switch ovn-central python3-openvswitch)

if command -v ovsdb-server >/dev/null && command -v ovn-nbctl >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ovsdb-server or ovn-nbctl is missing: install them with" >&2
  echo "  sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
fi
echo "installing ${PACKAGES[*]} (ovsdb-server and the OVN schemas are missing)" >&2
export DEBIAN_FRONTEND=noninteractive
# The packages try to start their services; without an init system that fails. Forbid it for the
# install (unless the machine already does), and judge the install by the tools it left.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq "${PACKAGES[@]}" >/dev/null ||
  echo "apt-get install reported errors (a service that could not start?); checking the tools" >&2
command -v ovsdb-server >/dev/null && command -v ovn-nbctl >/dev/null
