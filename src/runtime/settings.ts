import { KppeError } from "../errors.ts";

/**
 * Sets each numeric setting in `envNames` from `given` (a task option), else its environment
 * variable; a bad value is refused with its name, the value and the valid range.
 */
export function applyNumbers<K extends string>(
  settings: Record<K, unknown>,
  envNames: Record<K, string>,
  limits: Record<K, [min: number, max: number, integer: boolean]>,
  given: Partial<Record<K, unknown>>,
  env: NodeJS.ProcessEnv,
): void {
  for (const [key, name] of Object.entries(envNames) as Array<[K, string]>) {
    const raw = given[key] ?? env[name];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    const [min, max, integer] = limits[key];
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      const source = given[key] !== undefined ? `--${kebab(key)}` : name;
      throw new KppeError("BAD_SETTING", `${source}: expected ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    settings[key] = value;
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
