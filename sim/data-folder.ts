// What the kit keeps in its data folder, so that `--reset` removes a folder only when everything in
// it is the kit's: `--data-dir` names any folder, and a slip (`--data-dir ~`, a project folder)
// must not wipe files the kit never wrote.

/**
 * The entries the kit writes at the top of a data folder: one folder per store (Lambda's holds its
 * queue of asynchronous invocations), the outbox, the
 * running kit's endpoint, and in the default `.facekit` the services-mode folder and the test
 * bundles.
 */
const KIT_ENTRIES = new Set(['cognito', 'dynamodb', 'lambda', 'rekognition', 's3', 'emails.jsonl', 'endpoint.json', 'services', 'test-bundles']);

/** The entries of a data folder's listing that the kit did not write. */
export function entriesNotTheKits(entries: readonly string[]): string[] {
  return entries.filter((entry) => !KIT_ENTRIES.has(entry));
}

/** Why `--reset` refuses to remove a folder holding `strangers`, in a line naming a few of them. */
export function foreignEntriesMessage(dataDir: string, strangers: readonly string[]): string {
  const named = strangers.slice(0, 5).join(', ') + (strangers.length > 5 ? `, and ${strangers.length - 5} more` : '');
  return `${dataDir} holds files the kit did not write (${named}): is it the kit's data folder? Remove them, or name the right folder with --data-dir.`;
}
