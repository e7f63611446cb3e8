/** A `.wasm` import: workerd (and wrangler, esbuild's `copy` loader with miniflare) gives the compiled module. */
declare module "*.wasm" {
  const module: WebAssembly.Module
  export default module
}
