/** The table a transactional SQL sink keeps each scope's last committed token in. */
export const COMMIT_TOKEN_TABLE = "_faucet_commit_token";

/**
 * True when `token` (a pipeline commit token, `<seq, 20 digits>#<bookmark>`) is not beyond the
 * one already committed for its scope: the page is a replay and must not be written again.
 *
 * @example
 * isReplayedToken("00000000000000000007#70", "00000000000000000006#60"); // true
 */
export function isReplayedToken(committed: string | undefined, token: string): boolean {
  return committed !== undefined && committed.slice(0, 20) >= token.slice(0, 20);
}
