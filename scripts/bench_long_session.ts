// `deno task bench:session`: a 500-turn conversation through the real terminal agent
// (interactive, sandboxed relaunch, stdin piped) against the fake: once in a small context
// window (8k tokens, so compaction runs dozens of times), once in the catalog's real one
// (272k, where 500 short turns need none). Reports compactions, the largest and last
// request, peak RSS of the agent process (VmHWM, polled), and wall time.
import process from "node:process";
import { longSession } from "../tests/_long_session.ts";

const TURNS = Number(process.env.TURNS ?? 500);
const rows: string[][] = [];
for (const contextWindow of [8_000, 272_000]) {
  const r = await longSession({ turns: TURNS, contextWindow, measureRss: true });
  if (r.errors.length) throw new Error(r.errors.join("\n"));
  rows.push([
    `${TURNS} turns, ${Math.round(contextWindow / 1000)}k window`,
    String(r.compactions),
    `${(r.maxRequestBytes / 1024).toFixed(1)} KiB (${r.maxInputTokens} tokens)`,
    `${(r.lastRequestBytes / 1024).toFixed(1)} KiB`,
    `${((r.peakRssKiB ?? 0) / 1024).toFixed(0)} MiB`,
    `${r.seconds.toFixed(1)} s`,
    r.lastAnswer === "The launch code is ZEBRA-42." ? "kept" : "LOST",
  ]);
}
const head = [
  "session",
  "compactions",
  "largest request",
  "last request",
  "peak RSS",
  "wall",
  "turn-3 fact",
];
console.log(`| ${head.join(" | ")} |\n| ${head.map(() => "---").join(" | ")} |`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
