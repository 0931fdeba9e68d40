// A file of the data folder that cannot be read as what it should be (garbage, cut short, a folder
// where a file belongs). The kit stops its start with it rather than starting without what the
// file held: nothing is removed or rewritten, and `npm start` tells the user which file, what is
// wrong with it, and what to do (sim/main.ts). A torn last line of an append-only log is not
// damage: that write never returned (sim/json-lines.ts).
import { readFileSync } from 'node:fs';

export class DamagedDataError extends Error {
  override readonly name = 'DamagedDataError';

  /** `what`: whose data it is, e.g. "the Cognito state of pool X"; `problem`: what is wrong with `file`. */
  constructor(
    readonly what: string,
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${what} is damaged: ${file}: ${problem}`, options);
  }
}

/** The bytes of `file`, or undefined when it does not exist; a folder in its place is damage. */
export function readDataFile(what: string, file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new DamagedDataError(what, file, 'a folder where a file belongs', { cause: error });
    throw error;
  }
}

/**
 * `file` parsed as JSON and checked by `isValid` (undefined when the file does not exist). A file
 * that is empty, cut short or not the expected shape is damage: the kit wrote it whole (aside,
 * then renamed), so anything else came from outside.
 */
export function readJsonFile<T>(what: string, file: string, isValid: (value: unknown) => value is T): T | undefined {
  const bytes = readDataFile(what, file);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    // Not the parser's message: it quotes the text, which may be a key or a token.
    throw new DamagedDataError(what, file, bytes.length === 0 ? 'empty' : 'not JSON (cut short or overwritten)', { cause: error });
  }
  if (!isValid(value)) throw new DamagedDataError(what, file, 'JSON, but not of the shape the kit writes');
  return value;
}

/** For `readJsonFile`: a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` parsed as a JSON object, or undefined when it is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonObject(value) ? value : undefined;
}
