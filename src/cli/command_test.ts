import assert from "node:assert/strict";
import { test } from "node:test";
import { denoCommand, parseCommandLine, UsageError } from "./command.ts";

const options = {
  model: { type: "string", short: "m" },
  json: { type: "boolean" },
} as const;

const failure = (args: string[], allowPositionals = true): string => {
  try {
    parseCommandLine({ args, options, allowPositionals });
  } catch (e) {
    assert.ok(e instanceof UsageError);
    return e.message;
  }
  throw new Error(`no usage error for ${args.join(" ")}`);
};

test("command: parseArgs errors become one line naming the option and --help", () => {
  assert.equal(
    failure(["--bogus"]),
    "unknown option '--bogus'. See --help for the options (an argument that starts with '-' goes after '--').",
  );
  assert.equal(failure(["--model"]), "option '--model' needs a value. See --help.");
  assert.equal(failure(["--json=yes"]), "option '--json' takes no value. See --help.");
  assert.equal(failure(["stray"], false), "unexpected argument 'stray'. See --help.");
  assert.equal(
    failure(["--bogus"], false),
    "unknown option '--bogus'. See --help for the options.",
  );
  for (const m of [failure(["--bogus"]), failure(["-x"])]) {
    assert.doesNotMatch(m, /To specify a positional|as in/);
  }
});

test("command: good input parses as parseArgs does", () => {
  const r = parseCommandLine({ args: ["-m", "x", "--json", "p"], options, allowPositionals: true });
  assert.equal(r.values.model, "x");
  assert.equal(r.values.json, true);
  assert.deepEqual(r.positionals, ["p"]);
});

test("command: suggested commands start Deno the way this one was started", () => {
  assert.equal(
    denoCommand("/root/.npm/_npx/7a40be787520bede/node_modules/deno/deno", "2.9.6"),
    "npx -y deno@2.9.6",
  );
  assert.equal(denoCommand("/usr/local/bin/deno", "2.9.6"), "deno");
  assert.equal(denoCommand("C:\\npm\\node_modules\\deno\\deno.exe", "2.9.6"), "npx -y deno@2.9.6");
});
