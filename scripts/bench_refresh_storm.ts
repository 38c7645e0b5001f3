// `deno task bench:storm`: eight processes with an expired token ask for one at once (one
// refresh request reaches the server, the others adopt its answer), beside one process
// refreshing alone. Wall time from spawning until every process holds the new token;
// median over RUNS rounds (default 7), alternating the two.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { startFakeBackend } from "../src/testing/mod.ts";
import { output, worker } from "../tests/_processes.ts";

const RUNS = Number(process.env.RUNS ?? 7);
const fake = await startFakeBackend();
const dir = await mkdtemp(join(tmpdir(), "cp-bench-storm-"));

async function round(n: number, ttlSeconds = -60): Promise<number> {
  const path = join(dir, `tokens-${crypto.randomUUID()}.json`);
  await writeTokenFile(
    path,
    describeTokens(fake.issueTokens({}, { ttlSeconds }), { issuer: fake.url }),
  );
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, () => output(worker("fresh", path, fake.url))),
  );
  const ms = performance.now() - t0;
  if (new Set(results.map((r) => r.out)).size !== 1) throw new Error("tokens differ");
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await round(1);
const one: number[] = [];
const eight: number[] = [];
const startOnly: number[] = [];
for (let i = 0; i < RUNS; i++) {
  one.push(await round(1));
  eight.push(await round(8));
  startOnly.push(await round(8, 3600)); // a valid token: eight process start-ups, no refresh
}
console.log(`| processes | until all hold the new token (median, range) |\n| --- | --- |`);
for (
  const [name, xs] of [
    ["1 (one refresh)", one],
    ["8 at once (one refresh, seven adopt it)", eight],
    ["8 at once, token still valid (start-up alone)", startOnly],
  ] as const
) {
  console.log(
    `| ${name} | ${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${
      Math.max(...xs).toFixed(0)
    } ms) |`,
  );
}
console.log(
  `\nthe storm (one refresh, seven processes waking on the lock's release) costs ${
    (median(eight) - median(startOnly)).toFixed(0)
  } ms over eight plain start-ups`,
);
await fake.close();
await rm(dir, { recursive: true, force: true });
