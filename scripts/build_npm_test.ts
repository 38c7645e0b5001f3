import assert from "node:assert/strict";
import { test } from "node:test";
import { onlyEntryModuleDoc, onlyExports, pruneDeclarations } from "./build_npm.ts";

const DTS = `/** Used by the export. */
interface Helper { a: string;
}
/** Used by nothing. */
interface Orphan { b: Helper;
}
declare const INTERNAL = 1;
/**
 * The public function.
 */
export declare function run(h: Helper): Deep;
type Deep = "x" | "y";
export {};`;

test("build: pruning keeps exports and what they reference, drops the rest", () => {
  const out = pruneDeclarations(DTS);
  assert.match(out, /export declare function run/);
  assert.match(out, /\/\*\* Used by the export\. \*\/\ninterface Helper/);
  assert.match(out, /type Deep/, "referenced after its user");
  assert.doesNotMatch(out, /Orphan|Used by nothing|INTERNAL/);
  assert.match(out, /^export \{\};$/m);
});

test("build: only the entry's own names stay exported", () => {
  const out = onlyExports(
    'import type { ModelInfo } from "../codex/types.ts";\nexport interface A {}\nexport declare const B = 1;\n',
    new Set(["A"]),
  );
  assert.match(out, /^import type \{ ModelInfo \} from "\.\/mod\.js";/);
  assert.match(out, /^export interface A/m);
  assert.match(out, /^declare const B = 1;/m);
  assert.match(out, /export \{\};\n$/);
});

test("build: only the entry's @module doc stays; the bundled modules' ones go", () => {
  const out = onlyEntryModuleDoc(`/**
 * The package.
 *
 * @module
 */
/**
 * A bundled file's own doc.
 *
 * @module
 */
/** The function's doc. */
export declare function f(): void;
/** Mentions @module in passing: not the tag, so it stays. */
export declare const g = 1;
`);
  assert.match(out, /The package\./);
  assert.doesNotMatch(out, /A bundled file/);
  assert.match(out, /\/\*\* The function's doc\. \*\/\nexport declare function f/);
  assert.match(out, /in passing: not the tag, so it stays\. \*\/\nexport declare const g/);
});
