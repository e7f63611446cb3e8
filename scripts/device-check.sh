#!/usr/bin/env bash
# On a machine with a GPU: WebGPU under Node through Dawn (npm package `webgpu`, Vulkan/Metal/D3D12), checked
# for real. For each backend (default: webgpu) it
#   1. starts the backend's layer and reads the adapter it got (webgpu) or the tfjs-node package and whether
#      it runs on a GPU (node, node-gpu: node-gpu without a CUDA device fails here, exit 3),
#   2. runs the conformance suite on it under Node (ADDROP_TEST_BACKENDS=<backend>, CI=1: it must start),
#   3. runs `addrop bench --backend <backend> --json`,
# and prints one JSON line per backend on stdout:
#   {"backend":"webgpu","adapter":{…,"software":false,"via":"Dawn, Vulkan/Metal/D3D12"},"native":null,
#    "conformance":{"passed":57,"failed":0,"skipped":0},"bench":[{…one line of addrop bench…}],"ok":true}
# The test runner's and the bench's own output go to stderr. It exits 1 when a check fails, and 3 at once,
# before the suites, when webgpu finds no adapter or only a software rasteriser (Mesa's llvmpipe/lavapipe,
# SwiftShader): that is not a GPU, and this check is for one (--allow-software runs it anyway).
#
#   scripts/device-check.sh                         # webgpu; bench preset tiny
#   scripts/device-check.sh --backends webgpu,wasm  # a baseline beside it
#   scripts/device-check.sh --preset tiny,mini --steps 5
#   scripts/device-check.sh --allow-software        # on a machine without a GPU (llvmpipe)
#
# Run `npm ci` first. It runs the packages' sources (tsx), so no build is needed.
# Without a GPU, `--allow-software --steps 1` ran it end to end on llvmpipe (about 2 minutes on 2 vCPUs).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
fail() {
  echo "device-check: $*" >&2
  exit 2
}

backends="webgpu"
preset="tiny"
steps=""
allow_software=0
while (($# > 0)); do
  case "$1" in
    --backends | --preset | --steps)
      (($# >= 2)) && [ -n "$2" ] && [ "${2#--}" = "$2" ] || fail "$1 needs a value"
      case "$1" in
        --backends) backends="$2" ;;
        --preset) preset="$2" ;;
        --steps) steps="$2" ;;
      esac
      shift 2
      ;;
    --allow-software)
      allow_software=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) fail "unknown argument \"$1\" (see --help)" ;;
  esac
done
IFS=, read -r -a list <<<"$backends"
((${#list[@]} > 0)) || fail "--backends is empty"
for b in "${list[@]}"; do
  case "$b" in
    cpu | wasm | webgpu | node | node-gpu) ;;
    *) fail "unknown backend \"$b\" (cpu, wasm, webgpu, node, node-gpu)" ;;
  esac
done
if [ -n "$steps" ] && ! [[ "$steps" =~ ^[1-9][0-9]*$ ]]; then fail "--steps must be a positive integer, got \"$steps\""; fi
if [ "${DEVICE_CHECK_DRY_RUN:-0}" = "1" ]; then
  # For scripts' own tests: the parsed arguments, and nothing run.
  printf '{"backends":"%s","preset":"%s","steps":"%s","allowSoftware":%s}\n' \
    "$backends" "$preset" "$steps" "$([ "$allow_software" = 1 ] && echo true || echo false)"
  exit 0
fi
[ -x node_modules/.bin/tsx ] || fail "node_modules is missing: run npm ci first"

tsnode=(node --conditions=@addrop/source --import tsx)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

for backend in "${list[@]}"; do
  # 1. The layer starts, and says which adapter it got (exit 3: no adapter; 4: a software one).
  adapter=$(
    ADDROP_CHECK_BACKEND="$backend" ADDROP_ALLOW_SOFTWARE="$allow_software" "${tsnode[@]}" --input-type=module -e '
      import { Effect } from "effect"
      import { TensorBackend } from "@addrop/backends"
      const name = process.env.ADDROP_CHECK_BACKEND
      const exit = await Effect.runPromiseExit(Effect.scoped(TensorBackend.make(name)))
      if (exit._tag === "Failure") {
        const error = exit.cause.reasons[0]?.error
        console.error(`device-check: ${name} does not start: ${error?.reason ?? error?.message ?? exit.cause}`)
        process.exit(3)
      }
      const adapter = exit.value.adapter ?? null
      // node / node-gpu: which tfjs-node package runs and whether TensorFlow placed ops on a GPU (node-gpu
      // fails to start above when it has no CUDA device, rather than running on the CPU).
      console.log(JSON.stringify({ adapter, native: exit.value.native ?? null }))
      if (adapter?.software && process.env.ADDROP_ALLOW_SOFTWARE !== "1") {
        console.error(`device-check: ${name} got a software rasteriser (${adapter.device || adapter.description}, via ${adapter.via}), not a GPU; is the GPU'"'"'s Vulkan driver installed (vulkaninfo --summary)?`)
        process.exit(4)
      }
    '
  ) || {
    code=$?
    echo "device-check: no usable adapter for $backend (exit $code); see above" >&2
    exit 3
  }

  # 2. The conformance suite on it, which must start (a backend that cannot fails its tests, never skips).
  report="$work/conformance-$backend.json"
  conformance_ok=true
  ADDROP_TEST_BACKENDS="$backend" CI=1 node node_modules/vitest/vitest.mjs run --project @addrop/conformance \
    --reporter=default --reporter=json "--outputFile.json=$report" >&2 || conformance_ok=false
  counts=$(
    REPORT="$report" BACKEND="$backend" node --input-type=module -e '
      import { readFileSync } from "node:fs"
      import { countByBackend } from "./scripts/matrix.mjs"
      let cell = { passed: 0, failed: 1, skipped: 0, error: "no test report" }
      try { cell = countByBackend(JSON.parse(readFileSync(process.env.REPORT, "utf8"))).get(process.env.BACKEND) ?? { passed: 0, failed: 0, skipped: 0 } } catch {}
      console.log(JSON.stringify(cell))
    '
  )

  # 3. The bench on it, one JSON line per case.
  bench_args=(bench --backend "$backend" --preset "$preset" --json)
  [ -n "$steps" ] && bench_args+=(--steps "$steps")
  bench_ok=true
  bench=$("${tsnode[@]}" packages/cli/src/bin.ts "${bench_args[@]}") || bench_ok=false
  bench_json=$(printf '%s\n' "$bench" | grep '^{' | paste -sd, -)

  line=$(
    ADAPTER="$adapter" COUNTS="$counts" BENCH="[$bench_json]" BACKEND="$backend" \
      CONFORMANCE_OK="$conformance_ok" BENCH_OK="$bench_ok" node -e '
      const e = process.env
      const conformance = JSON.parse(e.COUNTS)
      const bench = JSON.parse(e.BENCH)
      const ok = e.CONFORMANCE_OK === "true" && conformance.passed > 0 && conformance.failed === 0 &&
        e.BENCH_OK === "true" && bench.length > 0 && bench.every((r) => r.error === undefined)
      const { adapter, native } = JSON.parse(e.ADAPTER)
      console.log(JSON.stringify({ backend: e.BACKEND, adapter, native, conformance, bench, ok }))
      process.exit(ok ? 0 : 1)
    '
  ) || status=1
  echo "$line"
done
exit "$status"
