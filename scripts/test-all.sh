#!/usr/bin/env bash
# Everything CI checks, in order: the Debian packages some tests use, typed builds, types, lint, the test suites
# under Node, the runtime × backend matrix (Node, Bun, Deno, workerd, Chromium; threaded wasm too), then the
# packed-tarball smoke test. `npm test` runs this; run `npm ci` first.
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

step "tests under Node $(node --version) (every package but the backend-sensitive ones, which the matrix runs)"
matrix_projects=$(node scripts/matrix.mjs --projects)
turbo run test --concurrency=2 --output-logs=errors-only $(printf -- "--filter=!%s " $matrix_projects)

# Each runtime names the backends it must run (node: cpu, wasm, webgpu through Dawn on llvmpipe; bun: cpu, wasm;
# deno: cpu, wasm, webgpu on lavapipe; and the conformance suite on wasm-threads, a pool of 2, in all three): a
# named backend that cannot start fails its tests with the reason, and a cell with no passing test fails.
step "runtime × backend matrix (backend-sensitive packages under Node, Bun and Deno; the edge worker in workerd; the playground in Chromium)"
node scripts/matrix.mjs

step "packed tarballs import under Node, Bun and Deno"
node scripts/pack-smoke.mjs
