/**
 * The self-contained pages the loopback callback answers the browser with.
 *
 * @module
 */

/** Escape text for HTML. */
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function shell(title: string, accent: string, icon: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center;
         font: 16px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif;
         background: #f6f6f4; color: #1d1d1b; }
  @media (prefers-color-scheme: dark) { body { background: #161615; color: #ededeb; }
         .card { background: #20201f; border-color: #333; } code { background: #2b2b29; } }
  .card { max-width: 30rem; margin: 1.5rem; padding: 2.25rem 2.5rem; background: #fff;
          border: 1px solid #e4e4e0; border-radius: 1rem; box-shadow: 0 10px 30px rgba(0,0,0,.06); }
  .icon { width: 3rem; height: 3rem; border-radius: 50%; display: grid; place-items: center;
          background: ${accent}; color: #fff; font-size: 1.6rem; margin-bottom: 1rem; }
  h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
  p { margin: .5rem 0; }
  .muted { opacity: .7; font-size: .92rem; }
  code { background: #f0f0ec; padding: .1rem .35rem; border-radius: .3rem; }
</style></head>
<body><main class="card"><div class="icon" aria-hidden="true">${icon}</div>${body}</main></body></html>`;
}

/** What we know of the person who just signed in. */
export interface SignedIn {
  /** Email, when the token says. */
  email?: string;
  /** Plan, when the token says. */
  plan?: string;
}

/** The page after a successful sign-in. */
export function successPage(who: SignedIn): string {
  const name = who.email ? `as <strong>${escapeHtml(who.email)}</strong>` : "";
  const plan = who.plan ? ` (ChatGPT ${escapeHtml(who.plan)})` : "";
  return shell(
    "Signed in to codex-provider",
    "#16a34a",
    "✓",
    `<h1>You're signed in</h1>
<p>codex-provider is signed in ${name}${plan}.</p>
<p class="muted">You can close this tab and go back to your terminal.</p>`,
  );
}

/** The page after a failed sign-in: what failed, and what to do. */
export function errorPage(what: string, todo: string): string {
  return shell(
    "Sign-in failed",
    "#dc2626",
    "!",
    `<h1>Sign-in failed</h1>
<p>${escapeHtml(what)}</p>
<p class="muted">${escapeHtml(todo)}</p>`,
  );
}
