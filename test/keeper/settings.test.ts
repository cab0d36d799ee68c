import assert from "node:assert/strict";
import { DEFAULT_SETTINGS, resolveSettings } from "../../src/keeper/settings.ts";

describe("keeper settings", () => {
  it("takes the K-PPE defaults, then the environment, then the task options", () => {
    assert.deepEqual(
      [DEFAULT_SETTINGS.intervalMs, DEFAULT_SETTINGS.maxEventsPerBatch, DEFAULT_SETTINGS.confirmations],
      [60_000, 256, 2],
    );
    const fromEnv = resolveSettings({}, { BATCH_INTERVAL_MS: "5000", MAX_EVENTS_PER_BATCH: "1024", CONFIRMATIONS: "3", MAX_FEE_GWEI: "0.5" });
    assert.deepEqual([fromEnv.intervalMs, fromEnv.maxEventsPerBatch, fromEnv.confirmations, fromEnv.maxFeeGwei], [5000, 1024, 3, 0.5]);
    const fromTask = resolveSettings({ maxEventsPerBatch: 65_536 }, { MAX_EVENTS_PER_BATCH: "1024" });
    assert.equal(fromTask.maxEventsPerBatch, 65_536);
  });

  const refusals: Array<[Record<string, string>, object, RegExp]> = [
    [{ MAX_EVENTS_PER_BATCH: "0" }, {}, /^MAX_EVENTS_PER_BATCH: expected an integer from 1 to 1048576, got "0"$/],
    [{ MAX_EVENTS_PER_BATCH: "2000000" }, {}, /MAX_EVENTS_PER_BATCH: .* got "2000000"/],
    [{ CONFIRMATIONS: "two" }, {}, /^CONFIRMATIONS: expected an integer from 1 to 1000, got "two"$/],
    [{ BATCH_INTERVAL_MS: "1.5" }, {}, /^BATCH_INTERVAL_MS: expected an integer/],
    [{}, { maxFeeGwei: -1 }, /^--max-fee-gwei: expected a number from/],
  ];
  for (const [env, given, message] of refusals) {
    it(`refuses ${JSON.stringify({ ...env, ...given })} naming the setting and the value`, () => {
      assert.throws(() => resolveSettings(given, env), (error: Error) => message.test(error.message));
    });
  }
});
