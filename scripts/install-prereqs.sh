#!/usr/bin/env bash
# Installs what the test stack needs on a fresh machine (as root): Samba AD DC, winbind, ldap-utils, openssl, PowerShell 7.
# Idempotent: installs only what is missing, and leaves no packaged daemon running.
set -euo pipefail

PWSH_VERSION=7.6.9
PACKAGES=(samba samba-dsdb-modules samba-ad-provision winbind ldap-utils openssl)
SERVICES=(samba-ad-dc samba smbd nmbd winbind)

say() { echo "install-prereqs: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "install-prereqs: must run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! command -v samba >/dev/null 2>&1 && [[ ! " ${missing[*]} " == *" samba "* ]]; then
  missing+=(samba)
fi

if [ ${#missing[@]} -gt 0 ]; then
  # Keep the packages' maintainer scripts from starting daemons: the tests start their own DCs.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
else
  say "${PACKAGES[*]}: already installed ($(samba --version))"
fi

# Whatever the packages set up to start on boot or started anyway: stop it and keep it off. Without systemd, only
# daemons recorded in the system pid directory are stopped: test DCs (ours or anyone's) keep their pid files elsewhere.
for service in "${SERVICES[@]}"; do
  if [ -d /run/systemd/system ]; then
    if systemctl is-active --quiet "$service" 2>/dev/null || systemctl is-enabled --quiet "$service" 2>/dev/null; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
      say "stopped and disabled $service (systemd)"
    fi
  elif [ -x "/etc/init.d/$service" ] && command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d "$service" disable >/dev/null 2>&1 || true
  fi
done
for pidfile in /run/samba/samba.pid /run/samba/smbd.pid /run/samba/nmbd.pid /run/samba/winbindd.pid; do
  [ -s "$pidfile" ] || continue
  pid=$(tr -dc '0-9' <"$pidfile")
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  case "$comm" in
    samba | smbd | nmbd | winbindd)
      kill "$pid" 2>/dev/null && say "stopped the system's $comm (pid $pid, from $pidfile)"
      ;;
  esac
done

# A server on all addresses would take the LDAP ports from every test DC on 127.0.0.x.
if command -v ss >/dev/null 2>&1; then
  wildcard=$(ss -Hltn '( sport = :389 or sport = :636 )' | awk '$4 ~ /^(0\.0\.0\.0|\*|\[::\]):/' || true)
  if [ -n "$wildcard" ]; then
    echo "install-prereqs: a server listens on every address on port 389 or 636; the test DCs cannot bind:" >&2
    echo "$wildcard" >&2
    exit 1
  fi
fi

pwsh_path="$HOME/.dotnet/tools/pwsh"
if [ -x "$pwsh_path" ]; then
  say "pwsh: already installed ($pwsh_path)"
elif command -v pwsh >/dev/null 2>&1; then
  say "pwsh: already on PATH ($(command -v pwsh))"
else
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "install-prereqs: the .NET SDK (dotnet) is missing, so PowerShell cannot be installed as a .NET tool" >&2
    exit 1
  fi
  say "installing PowerShell $PWSH_VERSION as a .NET global tool"
  dotnet tool install --global PowerShell --version "$PWSH_VERSION" >/dev/null
  say "pwsh: installed ($pwsh_path)"
fi
"${pwsh_path}" -NoLogo -NoProfile -NonInteractive -Command '"pwsh: runs, version " + $PSVersionTable.PSVersion.ToString()' 2>/dev/null \
  || command -v pwsh >/dev/null 2>&1 \
  || { echo "install-prereqs: pwsh does not run" >&2; exit 1; }
