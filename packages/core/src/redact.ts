/**
 * Secret redaction. Every string registered here is replaced by `***` in every FaucetError
 * message, in `faucet validate` output and in logs, whatever path it took to get there.
 */
const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** What a redacted secret looks like in output. */
export const REDACTED = "***";

/** The shortest string treated as a secret: shorter ones would mask ordinary text. */
const MIN_SECRET_LENGTH = 3;

/**
 * Registers a secret value so that it never appears in errors or logs.
 *
 * @example
 * registerSecret(process.env.PGPASSWORD ?? "");
 * redactSecrets(`password=${process.env.PGPASSWORD}`); // "password=***"
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  // Also mask the URL-encoded spelling, which is how passwords appear inside connection URLs.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  pattern = undefined;
}

/** Forgets every registered secret (tests use this between cases). */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/**
 * Replaces every registered secret in `text` with `***`, and masks the password part of any
 * `scheme://user:password@host` URL even when it was never registered.
 *
 * @example
 * redactSecrets("postgres://app:hunter2@db/test"); // "postgres://app:***@db/test"
 */
export function redactSecrets(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi, `$1${REDACTED}$3`);
  if (secrets.size === 0) return out;
  if (pattern === undefined) {
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...secrets].sort((a, b) => b.length - a.length);
    pattern = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
  }
  out = out.replace(pattern, REDACTED);
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
