/**
 * What the fake's "model" sees of a request: its text (compaction items opened, as the real
 * backend decrypts its own), its size in tokens (for the context window), and the summary
 * a compaction keeps. The summariser is deterministic: it keeps every sentence that asks to
 * be remembered, plus the most recent text, so tests can check what survives compaction.
 *
 * @module
 */

type Item = Record<string, unknown>;

/** The longest summary the fake writes (characters). */
export const FAKE_SUMMARY_MAX_CHARS = 2_000;

function partsText(parts: unknown): string {
  return Array.isArray(parts)
    ? parts.map((p) => (p && typeof p === "object" ? String((p as Item).text ?? "") : "")).join("")
    : "";
}

/** The text of input items, as the model would read it; `opened` maps compaction contents. */
export function visibleText(
  input: readonly unknown[],
  opened: (encrypted: string) => string | undefined,
): string {
  const out: string[] = [];
  for (const raw of input) {
    const it = (raw ?? {}) as Item;
    switch (it.type) {
      case "message":
        out.push(partsText(it.content));
        break;
      case "reasoning":
        out.push(partsText(it.summary));
        break;
      case "function_call":
        out.push(`${it.name}(${it.arguments})`);
        break;
      case "function_call_output":
        out.push(String(it.output ?? ""));
        break;
      case "compaction":
        out.push(opened(String(it.encrypted_content ?? "")) ?? "");
        break;
    }
  }
  return out.filter(Boolean).join("\n");
}

/** Tokens the request's input takes, four characters a token, compactions opened. */
export function inputTokens(
  body: Record<string, unknown>,
  opened: (encrypted: string) => string | undefined,
): number {
  const input = Array.isArray(body.input) ? body.input as Item[] : [];
  let chars = String(body.instructions ?? "").length + JSON.stringify(body.tools ?? []).length;
  for (const it of input) {
    chars += it.type === "compaction"
      ? (opened(String(it.encrypted_content ?? "")) ?? "").length
      : JSON.stringify(it).length;
  }
  return Math.ceil(chars / 4);
}

/**
 * The fake's summary of a conversation: every sentence with "remember" in it (once), then
 * the tail of the text, within {@link FAKE_SUMMARY_MAX_CHARS}.
 */
export function fakeSummary(text: string): string {
  const keep: string[] = [];
  for (const s of text.split(/(?<=[.!?])\s+|\n+/)) {
    const t = s.trim();
    if (/remember/i.test(t) && !keep.includes(t)) keep.push(t);
  }
  let facts = keep.join("\n");
  if (facts.length > FAKE_SUMMARY_MAX_CHARS / 2) facts = facts.slice(-FAKE_SUMMARY_MAX_CHARS / 2);
  const room = FAKE_SUMMARY_MAX_CHARS - facts.length - 16;
  const tail = text.length > room ? text.slice(-room) : text;
  return `${facts}\n--- recent ---\n${tail}`.trim();
}
