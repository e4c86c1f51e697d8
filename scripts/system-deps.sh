#!/usr/bin/env bash
# Install the Debian packages gim needs, when missing and when we may (root or sudo);
# otherwise name them in one message. Usage: scripts/system-deps.sh runtime|test
set -euo pipefail
runtime=(libportaudio2 libsndfile1)
test_extra=(pulseaudio pulseaudio-utils libasound2-plugins tmux espeak-ng sox strace
            libreoffice-writer-nogui poppler-utils stress-ng)
want=("${runtime[@]}")
[ "${1:-runtime}" = test ] && want+=("${test_extra[@]}")

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "gim needs these system packages: ${missing[*]} (install them with your package manager)." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "gim needs these Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
