// The S3 store's files under a SIGKILL at every step of an overwrite: a child process writes an
// object, then overwrites it and is killed at its Nth rename (the step that makes a file visible)
// by a preload that counts renames. Whatever the step, the store opened afterwards holds the old
// object or the new one, whole: its body matches its ETag, size and metadata. Before the object
// file held both, metadata and body were two files renamed one after the other, and a kill
// between them left the old metadata next to the new body.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectStore, type StoredObject } from '../../sim/s3/object-store.js';

const projectDir = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'object-store-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bodyOf = (version: string) => Buffer.from(`${version} `.repeat(1000), 'utf8');
const objectOf = (key: string, body: Buffer, version: string): StoredObject => ({
  key,
  size: body.length,
  etag: `"${createHash('md5').update(body).digest('hex')}"`,
  lastModified: 0,
  contentType: 'text/plain',
  metadata: { version },
  headers: {},
});

// Kills the process at the Nth renameSync from the moment `globalThis.armRenameKill(n)` is called.
const PRELOAD = `
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const rename = fs.renameSync;
let left = Infinity;
globalThis.armRenameKill = (n) => { left = n; };
fs.renameSync = (...args) => {
  if (--left === 0) process.kill(process.pid, 'SIGKILL');
  return rename(...args);
};
syncBuiltinESMExports();
`;

// Writes version 1, then overwrites it with version 2, killed at the given rename of the overwrite.
const WRITER = `
import { createHash } from 'node:crypto';
import { ObjectStore } from ${JSON.stringify(join(projectDir, 'sim/s3/object-store.ts'))};
const [root, killAt] = process.argv.slice(2);
const bodyOf = (version) => Buffer.from(\`\${version} \`.repeat(1000), 'utf8');
const objectOf = (body, version) => ({ key: 'photo', size: body.length, etag: \`"\${createHash('md5').update(body).digest('hex')}"\`,
  lastModified: 0, contentType: 'text/plain', metadata: { version }, headers: {} });
const store = new ObjectStore(root);
store.createBucket('uploads', 0);
store.putObject('uploads', objectOf(bodyOf('one'), 'one'), bodyOf('one'));
globalThis.armRenameKill(Number(killAt));
store.putObject('uploads', objectOf(bodyOf('two'), 'two'), bodyOf('two'));
`;

function runWriter(root: string, killAt: number): Promise<NodeJS.Signals | null> {
  writeFileSync(join(scratch, 'preload.cjs'), PRELOAD);
  writeFileSync(join(scratch, 'writer.mts'), WRITER);
  return new Promise((done) => {
    const child = execFile(process.execPath, ['--require', join(scratch, 'preload.cjs'), '--import', 'tsx', join(scratch, 'writer.mts'), root, String(killAt)],
      { cwd: projectDir }, () => undefined);
    child.on('exit', (_code, signal) => done(signal));
  });
}

describe('the S3 store under SIGKILL', () => {
  it('holds the old object or the new one, whole, whichever rename of an overwrite the process was killed at', async () => {
    const outcomes: string[] = [];
    for (let killAt = 1; killAt <= 3; killAt++) {
      const root = join(scratch, `kill-at-${killAt}`);
      const signal = await runWriter(root, killAt);

      const store = new ObjectStore(root);
      const object = store.headObject('uploads', 'photo')!;
      const body = store.readBody('uploads', 'photo');
      const version = object.metadata.version!;
      expect(body.equals(bodyOf(version)), `killed at rename ${killAt}: the body is version ${version}'s`).toBe(true);
      expect(object).toEqual(objectOf('photo', body, version));
      expect(readdirSync(join(root, 'uploads', 'objects')).filter((file) => file.endsWith('.tmp'))).toEqual([]);
      outcomes.push(`${signal ?? 'exited'}:${version}`);
    }
    // The overwrite has one rename: killed at it, the old object stays; past it, the new one is in.
    expect(outcomes).toEqual(['SIGKILL:one', 'exited:two', 'exited:two']);
  }, 60_000);

  it('reads a folder written in the older two-file form, rewrites an object in the new form when it is next written, and drops a body without metadata', () => {
    const root = join(scratch, 'older-form');
    new ObjectStore(root).createBucket('uploads', 0);
    const objects = join(root, 'uploads', 'objects');
    mkdirSync(objects, { recursive: true });
    const base = (key: string) => join(objects, createHash('sha256').update(key, 'utf8').digest('hex'));
    const old = bodyOf('old');
    writeFileSync(`${base('kept')}.data`, old);
    writeFileSync(`${base('kept')}.json`, JSON.stringify(objectOf('kept', old, 'old')));
    writeFileSync(`${base('cut-short')}.data`, bodyOf('cut'));

    const store = new ObjectStore(root);
    expect(store.listObjects('uploads').map((object) => object.key)).toEqual(['kept']);
    expect(store.readBody('uploads', 'kept').equals(old)).toBe(true);
    store.putObject('uploads', objectOf('kept', bodyOf('new'), 'new'), bodyOf('new'));

    expect(readdirSync(objects)).toEqual([`${base('kept').slice(objects.length + 1)}.object`]);
    const reopened = new ObjectStore(root);
    expect(reopened.headObject('uploads', 'kept')?.metadata).toEqual({ version: 'new' });
    expect(reopened.readBody('uploads', 'kept').equals(bodyOf('new'))).toBe(true);
  });
});
