import assert from "node:assert/strict";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson, clientHash, KppeError } from "../../src/sdk/index.ts";

describe("canonical JSON (RFC 8785)", function () {
  it("matches the RFC's own example (section 3.2.2)", function () {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts keys by UTF-16 code units (section 3.2.3)", function () {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Compared as text: JSON.parse would move the integer-like key "1" first again.
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  const numbers: Array<[number, string]> = [
    [0, "0"],
    [-0, "0"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [9007199254740992, "9007199254740992"],
    [1e21, "1e+21"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [123456789012345680000, "123456789012345680000"],
    [-1.5e-10, "-1.5e-10"],
  ];
  for (const [value, expected] of numbers) {
    it(`writes the number ${expected} in ES form (Appendix B)`, function () {
      assert.equal(canonicalJson(value), expected);
    });
  }

  it("sorts nested keys at every depth and keeps array order", function () {
    assert.equal(canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { d: null, c: "x" } }), '{"a":{"c":"x","d":null},"b":[{"a":2,"z":1},3]}');
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ["NaN", { amount: Number.NaN }, /\$\.amount: NaN is not a finite number/],
    ["Infinity", [Infinity], /\$\[0\]: Infinity is not a finite number/],
    ["a lone surrogate", { s: "\ud800" }, /surrogate/i],
    ["undefined", { a: undefined }, /\$\.a: a value of type undefined is not JSON/],
    ["a function", { f: () => 1 }, /\$\.f: a value of type function/],
    ["a BigInt", { n: 10n }, /\$\.n: a value of type bigint/],
    ["a Date", { at: new Date(0) }, /\$\.at: a Date instance is not plain JSON data/],
    ["a Map", new Map(), /\$: a Map instance/],
    ["top-level undefined", undefined, /\$: a value of type undefined/],
  ];
  for (const [what, value, message] of refused) {
    it(`refuses ${what} with a message naming the path`, function () {
      assert.throws(() => canonicalJson(value), (error: unknown) => {
        assert.ok(error instanceof KppeError);
        assert.equal(error.code, "NOT_CANONICAL_JSON");
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe("client hash", function () {
  it("is keccak256 of the UTF-8 canonical JSON", function () {
    const event = { type: "swap", data: { amount: "1.5", pair: "ETH/USDC" }, ts: 1700000000 };
    const canonical = '{"data":{"amount":"1.5","pair":"ETH/USDC"},"ts":1700000000,"type":"swap"}';
    assert.equal(clientHash(event), keccak256(toUtf8Bytes(canonical)));
  });

  it("commits to nested keys, unlike the K-PPE SDK's JSON.stringify(obj, sortedKeys)", function () {
    const a = { type: "swap", data: { amount: "1" } };
    const b = { type: "swap", data: { amount: "2" } };
    // The old SDK's replacer array keeps only top-level key names, so nested data vanished:
    assert.equal(JSON.stringify(a, Object.keys(a).sort()), JSON.stringify(b, Object.keys(b).sort()));
    assert.notEqual(clientHash(a), clientHash(b));
  });

  it("hashes non-ASCII text as UTF-8", function () {
    assert.equal(clientHash({ name: "Łódź 😀" }), keccak256(toUtf8Bytes('{"name":"Łódź 😀"}')));
  });
});
