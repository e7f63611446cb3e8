#!/usr/bin/env bash
# Everything CI checks, in order: typed builds, types, lint, then the test suites under Node, Bun and Deno
# (Deno also runs the WebGPU backend when a Vulkan driver is present), the conformance suite again on
# threaded wasm in all three, then the packed-tarball smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }

step "build, typecheck, lint (turbo)"
turbo run build typecheck lint --output-logs=errors-only

step "tests under Node $(node --version) (every package; cpu and wasm backends)"
turbo run test --concurrency=2 --output-logs=errors-only

step "tests under Bun $(bun --version) (backend-sensitive packages)"
bun --bun x vitest run --project '@addrop/conformance' --project '@addrop/attention' \
  --project '@addrop/mask' --project '@addrop/attribution' --project '@addrop/models'

step "tests under Deno (backend-sensitive packages; webgpu through lavapipe when available)"
deno run -A node_modules/vitest/vitest.mjs run --project '@addrop/conformance' \
  --project '@addrop/attention' --project '@addrop/mask' --project '@addrop/attribution' --project '@addrop/models'

step "conformance on threaded wasm (a pool of 2 threads) under Node, Bun and Deno"
# The single-threaded wasm backend ran above in every runtime; these hold the threaded one to the same checks.
ADDROP_TEST_BACKENDS=wasm-threads vitest run --project '@addrop/conformance'
ADDROP_TEST_BACKENDS=wasm-threads bun --bun x vitest run --project '@addrop/conformance'
ADDROP_TEST_BACKENDS=wasm-threads deno run -A node_modules/vitest/vitest.mjs run --project '@addrop/conformance'

step "packed tarballs import under Node, Bun and Deno"
node scripts/pack-smoke.mjs
