/**
 * Remembers the last tokens or links a paginator followed, so a server that hands out one
 * already followed (A → B → A) ends the run instead of looping. Bounded, so memory stays flat
 * on runs of millions of pages.
 */
export class SeenSet {
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit = 1024) {
    this.#limit = limit;
  }

  /** Records `value`; returns false when it was already there. */
  add(value: string): boolean {
    if (this.#seen.has(value)) return false;
    this.#seen.add(value);
    if (this.#seen.size > this.#limit) {
      const oldest = this.#seen.values().next().value as string;
      this.#seen.delete(oldest);
    }
    return true;
  }
}

/** Detects an API that answers the next page with the very same body as the last one. */
export class RepeatGuard {
  #previous: string | undefined;

  /** True when `text` is byte-for-byte the previous body. */
  repeats(text: string): boolean {
    const same = this.#previous !== undefined && this.#previous.length === text.length && this.#previous === text;
    this.#previous = text;
    return same;
  }
}

/** A token as a query or body value: strings as they are, anything else as JSON text. */
export function tokenText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "" || value === false) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
