// A long conversation through the real terminal agent (interactive, stdin piped) against a
// fake with a small context window: a fact planted early must still be answerable at the
// end. Shared by the long-session test (behaviour) and scripts/bench_long_session.ts (figures).
import { readFile } from "node:fs/promises";
import { FAKE_MODELS, type RecordedRequest, reply, withContextWindow } from "../src/testing/mod.ts";
import { withCli } from "./_agent_cli.ts";

export const FACT = "Please remember: the launch code is ZEBRA-42.";
export const QUESTION = "What is the launch code I asked you to remember?";

export interface LongSessionResult {
  turns: number;
  compactions: number;
  errors: string[];
  /** The last answer: the scripted model names the code only if it is in its input. */
  lastAnswer: string;
  maxRequestBytes: number;
  maxInputTokens: number;
  contextWindow: number;
  /** Bytes of the last request. */
  lastRequestBytes: number;
  /** Peak RSS of the agent process (the sandboxed child), KiB, when measured. */
  peakRssKiB?: number;
  seconds: number;
}

/** Peak RSS (VmHWM) of `pid`'s newest descendant or itself, KiB. */
async function peakRss(pid: number): Promise<number | undefined> {
  try {
    const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim().split(/\s+/)
      .filter(Boolean);
    const target = kids.length ? Number(kids.at(-1)) : pid;
    const status = await readFile(`/proc/${target}/status`, "utf8");
    const m = status.match(/VmHWM:\s+(\d+) kB/);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function longSession(
  opts: { turns: number; contextWindow: number; measureRss?: boolean },
): Promise<LongSessionResult> {
  let result!: LongSessionResult;
  await withCli(
    async ({ fake, run }) => {
      let n = 0;
      const answer = (rec: RecordedRequest) => {
        const input = rec.body!.input as {
          type: string;
          role?: string;
          content?: { text: string }[];
        }[];
        const last = input.at(-1);
        if (last?.type === "message" && last.content?.[0].text === QUESTION) {
          const seen = fake.visibleText(rec).includes("ZEBRA-42");
          return reply.text(
            seen ? "The launch code is ZEBRA-42." : "I do not know any launch code.",
          );
        }
        n++;
        return reply.text(`Reply ${n}: ${"that is a fair point about the garden, ".repeat(8)}`);
      };
      for (let i = 0; i < opts.turns; i++) fake.enqueue(answer);
      const lines = Array.from(
        { length: opts.turns - 1 },
        (_, i) =>
          i === 2 ? FACT : `Message ${i + 1}: tell me more about tomatoes and their neighbours.`,
      );
      lines.push(QUESTION);
      let peak = 0;
      let timer: ReturnType<typeof setInterval> | undefined;
      const t0 = performance.now();
      const r = await run(["--json"], {
        stdin: lines.join("\n") + "\n",
        onSpawn: (pid) => {
          if (!opts.measureRss) return;
          timer = setInterval(async () => {
            const kib = await peakRss(pid);
            if (kib && kib > peak) peak = kib;
          }, 50);
        },
      });
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      const reqs = fake.responsesRequests();
      const sizes = reqs.map((q) => q.rawBody.length);
      result = {
        turns: r.events.filter((e) => e.type === "done").length,
        compactions: r.events.filter((e) => e.type === "compacted").length,
        errors: r.events.filter((e) => e.type === "error").map((e) => String(e.message)).concat(
          r.code === 0 ? [] : [`exit ${r.code}: ${r.stderr.slice(-500)}`],
        ),
        lastAnswer: String(r.events.filter((e) => e.type === "done").at(-1)?.text ?? ""),
        maxRequestBytes: Math.max(...sizes),
        maxInputTokens: Math.max(...reqs.map((q) => fake.inputTokens(q))),
        contextWindow: opts.contextWindow,
        lastRequestBytes: sizes.at(-1)!,
        peakRssKiB: opts.measureRss ? peak : undefined,
        seconds,
      };
    },
    true,
    { models: withContextWindow(FAKE_MODELS, opts.contextWindow) },
  );
  return result;
}
