/**
 * Instantiates one of our generated WebAssembly kernels (scripts/wasm) from its base64 binary,
 * with memory for `bytes` (its inputs and outputs, which callers copy in and out in chunks).
 */
export async function instantiateKernel(base64: string, bytes: number): Promise<{ exports: WebAssembly.Exports; heap: Uint8Array }> {
  const binary = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const { instance } = await WebAssembly.instantiate(binary);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const PAGE = 65536;
  memory.grow(Math.max(0, Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE));
  return { exports: instance.exports, heap: new Uint8Array(memory.buffer) };
}
