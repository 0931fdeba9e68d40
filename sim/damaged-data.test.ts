// Each store of the data folder, given a damaged file: the start stops with a DamagedDataError
// naming the file and what is wrong, and the file is left exactly as it was found. A torn last
// line of a log is not damage (that write never returned): it is still dropped.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSigningKeys } from './cognito/signing-keys.js';
import { UserPoolStore } from './cognito/user-pool-store.js';
import { DamagedDataError } from './damaged-data.js';
import { TimeToLiveSettings } from './dynamodb/time-to-live.js';
import { readJsonLines } from './json-lines.js';
import { Outbox } from './outbox.js';
import { CollectionStore } from './rekognition/collection-store.js';
import { ObjectStore } from './s3/object-store.js';
import { scratchFolders } from '../test/scratch-folders.js';

const scratch = scratchFolders('facekit-damaged-');

/** Every file under `folder` with its bytes, to show nothing was removed or rewritten. */
function contentsOf(folder: string): Record<string, string> {
  const contents: Record<string, string> = {};
  for (const name of readdirSync(folder, { recursive: true }) as string[]) {
    const path = join(folder, name);
    contents[name] = statSync(path).isDirectory() ? '<folder>' : readFileSync(path, 'base64');
  }
  return contents;
}

function damageOf(open: () => unknown): DamagedDataError {
  try {
    open();
  } catch (error) {
    if (error instanceof DamagedDataError) return error;
    throw error;
  }
  throw new Error('opened without complaint');
}

const USER_LINE = '{"user":{"username":"u1","attributes":{"sub":"u1"},"status":"CONFIRMED","enabled":true,"createdAt":1,"updatedAt":1}}\n';
const EMAIL_LINE = '{"to":"a@example.com","subject":"s","body":"b","sentAt":"2026-01-01T00:00:00.000Z","source":"ses"}\n';

describe('a damaged file in the data folder', () => {
  const cases: Array<[string, (folder: string) => { file: string; open: () => unknown }, RegExp]> = [
    ['a Cognito state log with a line of garbage before good ones', (folder) => {
      const file = join(folder, 'state.jsonl');
      writeFileSync(file, `${USER_LINE}GARBAGE${USER_LINE}${USER_LINE}`);
      return { file, open: () => new UserPoolStore(folder) };
    }, /^line 2 is not a JSON object/],
    ['a Cognito state log with a null line', (folder) => {
      const file = join(folder, 'state.jsonl');
      writeFileSync(file, `null\n${USER_LINE}`);
      return { file, open: () => new UserPoolStore(folder) };
    }, /^line 1 is not a JSON object/],
    ['an empty signing keys file', (folder) => {
      const file = join(folder, 'signing-keys.json');
      writeFileSync(file, '');
      return { file, open: () => loadOrCreateSigningKeys(folder) };
    }, /^empty$/],
    ['a faces log with a line of garbage', (folder) => {
      mkdirSync(join(folder, 'rekognition', 'faces'), { recursive: true });
      writeFileSync(join(folder, 'rekognition', 'collections.json'), '[{"id":"faces","arn":"arn","createdAt":1}]');
      const file = join(folder, 'rekognition', 'faces', 'collection-faces.jsonl');
      writeFileSync(file, 'GARBAGE\n{"delete":[]}\n');
      return { file, open: () => new CollectionStore(folder) };
    }, /^line 1 is not a JSON object/],
    // Creating the template's collection again would have emptied its faces log.
    ['a lost collections list beside a faces log', (folder) => {
      mkdirSync(join(folder, 'rekognition', 'faces'), { recursive: true });
      writeFileSync(join(folder, 'rekognition', 'faces', 'collection-faces.jsonl'), '{"delete":[]}\n');
      return { file: join(folder, 'rekognition', 'collections.json'), open: () => new CollectionStore(folder) };
    }, /^missing or empty, but .*collection-faces\.jsonl holds a collection's faces$/],
    ['a collections list cut short', (folder) => {
      mkdirSync(join(folder, 'rekognition', 'faces'), { recursive: true });
      const file = join(folder, 'rekognition', 'collections.json');
      writeFileSync(file, '[{"id":"fa');
      return { file, open: () => new CollectionStore(folder) };
    }, /^not JSON/],
    ['an outbox with a line of garbage', (folder) => {
      const file = join(folder, 'emails.jsonl');
      writeFileSync(file, `GARBAGE\n${EMAIL_LINE}`);
      return { file, open: () => new Outbox({ dataDir: folder }) };
    }, /^line 1 is not a JSON object/],
    ['a folder where the outbox file belongs', (folder) => {
      const file = join(folder, 'emails.jsonl');
      mkdirSync(file);
      return { file, open: () => new Outbox({ dataDir: folder }) };
    }, /^a folder where a file belongs$/],
    ['an empty Time to Live settings file', (folder) => {
      const file = join(folder, 'time-to-live.json');
      writeFileSync(file, '');
      return { file, open: () => new TimeToLiveSettings(file) };
    }, /^empty$/],
    ['Time to Live settings of the wrong shape', (folder) => {
      const file = join(folder, 'time-to-live.json');
      writeFileSync(file, '["expiresAt"]');
      return { file, open: () => new TimeToLiveSettings(file) };
    }, /^JSON, but not of the shape/],
    ['a bucket record of garbage', (folder) => {
      mkdirSync(join(folder, 'bucket'));
      const file = join(folder, 'bucket', 'bucket.json');
      writeFileSync(file, 'garbage');
      return { file, open: () => new ObjectStore(folder) };
    }, /^not JSON/],
    // The bucket would have been created again, empty, over objects no one could list.
    ['a lost bucket record beside objects', (folder) => {
      mkdirSync(join(folder, 'bucket', 'objects'), { recursive: true });
      writeFileSync(join(folder, 'bucket', 'objects', 'a.object'), '{"key":"a"}\nbody');
      return { file: join(folder, 'bucket', 'bucket.json'), open: () => new ObjectStore(folder) };
    }, /^missing, but the bucket's folder holds objects$/],
  ];

  it.each(cases)('stops at %s, naming the file, and leaves every file as it was', (_, prepare, problem) => {
    const folder = scratch();
    const { file, open } = prepare(folder);
    const before = contentsOf(folder);

    const error = damageOf(open);

    expect(error.file).toBe(file);
    expect(error.problem).toMatch(problem);
    expect(contentsOf(folder)).toEqual(before);
  });

  it('still drops, and cuts from the file, a torn last line of a log', () => {
    const file = join(scratch(), 'emails.jsonl');
    writeFileSync(file, `${EMAIL_LINE}{"to":"b@exa`);

    const entries = readJsonLines('the outbox of emails sent', file);

    expect(entries).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(EMAIL_LINE);
  });
});
