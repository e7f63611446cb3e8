#!/usr/bin/env bash
# Everything CI checks, in order: the Debian packages some tests use, typed builds, types, lint, then the test
# suites under Node, Bun and Deno, then the packed-tarball smoke test. `npm test` runs this; run `npm ci` first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Turbo prints a telemetry notice on its first run and reports usage unless told not to.
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\n=== %s\n' "$*"; }

if [ ! -x node_modules/.bin/turbo ]; then
  echo "node_modules is missing or incomplete: run npm ci first (the test command is: npm ci && npm test)" >&2
  exit 1
fi

step "system packages (scripts/setup-system.sh)"
bash scripts/setup-system.sh

step "build, typecheck, lint (turbo)"
turbo run build typecheck lint --output-logs=errors-only

# Each leg names the backends it must run: a named backend that cannot start fails its tests with the reason.
step "tests under Node $(node --version) (every package; cpu and wasm backends)"
ADDROP_TEST_BACKENDS=cpu,wasm turbo run test --concurrency=2 --output-logs=errors-only

backend_projects=(--project '@addrop/conformance' --project '@addrop/attention' --project '@addrop/mask'
  --project '@addrop/attribution' --project '@addrop/models')

step "tests under Bun $(bun --version) (backend-sensitive packages; cpu and wasm)"
ADDROP_TEST_BACKENDS=cpu,wasm bun --bun x vitest run "${backend_projects[@]}"

step "tests under Deno (backend-sensitive packages; cpu, wasm, and webgpu through Mesa's lavapipe)"
ADDROP_TEST_BACKENDS=cpu,wasm,webgpu deno run -A node_modules/vitest/vitest.mjs run "${backend_projects[@]}"

step "packed tarballs import under Node, Bun and Deno"
node scripts/pack-smoke.mjs
