/** Assembles WebAssembly text with wabt (a devDependency: only the build step needs it). */
export async function assembleWat(name: string, text: string): Promise<Uint8Array> {
  const { default: wabtInit } = await import("wabt");
  const wabt = await wabtInit();
  const module = wabt.parseWat(name, text);
  module.validate();
  return module.toBinary({}).buffer;
}
