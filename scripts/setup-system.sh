#!/usr/bin/env bash
# Installs the Debian packages some tests use, when they are missing:
#   mesa-vulkan-drivers                 WebGPU under Deno (lavapipe)
#   libegl1 libegl-mesa0 libgl1-mesa-dri WebGPU under Node and Bun: Dawn (npm package webgpu) over OpenGL
#                                       through EGL, on Mesa's llvmpipe (bookworm's lavapipe is too old for Dawn)
#   chromium                            the HTML report rendered in a real browser
#   python3-torch, libopenblas0-pthread saved checkpoints reloaded in the PyTorch reference
#   redis-server                        `addrop sweep --queue` over BullMQ, end to end (a private server per test)
# `npm test` runs this first. As root (or with password-less sudo) it installs what is missing with apt-get;
# otherwise it stops at once and prints the command to run. ADDROP_SKIP_SYSTEM_SETUP=1 skips it: the tests
# that need a missing package are then skipped with the reason, or fail with it when CI is set.
set -euo pipefail

packages=(mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1-mesa-dri chromium python3-torch libopenblas0-pthread
  redis-server)

if [ "${ADDROP_SKIP_SYSTEM_SETUP:-0}" = "1" ]; then
  echo "setup-system: skipped (ADDROP_SKIP_SYSTEM_SETUP=1)"
  exit 0
fi

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no dpkg/apt-get here, so the Debian packages ${packages[*]} cannot be checked or installed." >&2
  echo "Install their equivalents (Chromium, PyTorch for /usr/bin/python3, a Vulkan driver), then run the tests" >&2
  echo "with ADDROP_SKIP_SYSTEM_SETUP=1 npm test" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

if [ "$(id -u)" = "0" ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "setup-system: the tests need Debian packages that are not installed: ${missing[*]}" >&2
  echo "Install them, then run npm test again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "(or run ADDROP_SKIP_SYSTEM_SETUP=1 npm test to skip the tests that need them; under CI they fail)" >&2
  exit 1
fi

echo "setup-system: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
