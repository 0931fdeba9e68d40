// A collection's faces log after a write cut short (a power cut, a full disk): the torn last line
// is dropped at the next start, and cut from the file, so the face indexed after it survives the
// start after that. It used to be appended to the torn line and lost with it.
import { CreateCollectionCommand, IndexFacesCommand, ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import Fastify from 'fastify';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { generateFace } from '../../sim/faces/generate-face.js';
import { Outbox } from '../../sim/outbox.js';
import { createRekognitionService } from '../../sim/rekognition/service.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function scratch(): string {
  const folder = mkdtempSync(join(tmpdir(), 'facekit-torn-'));
  folders.push(folder);
  return folder;
}

async function withRekognition<T>(dataDir: string, use: (client: RekognitionClient) => Promise<T>): Promise<T> {
  const app = Fastify();
  registerJsonServices(app, [createRekognitionService({ dataDir })]);
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new RekognitionClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    return await use(client);
  } finally {
    client.destroy();
    await app.close();
  }
}

describe('append-only logs after a torn write', () => {
  it('keeps the face indexed after a torn line of a collection’s log, across the next restart', async () => {
    const dataDir = scratch();
    await withRekognition(dataDir, async (client) => {
      await client.send(new CreateCollectionCommand({ CollectionId: 'torn' }));
      await client.send(new IndexFacesCommand({ CollectionId: 'torn', Image: { Bytes: await generateFace({ seed: 'before' }) }, ExternalImageId: 'before' }));
    });
    const folder = join(dataDir, 'rekognition');
    const log = readdirSync(folder, { recursive: true }).map(String).find((name) => name.endsWith('.jsonl'))!;
    appendFileSync(join(folder, log), '{"add":{"faceId":"half');

    await withRekognition(dataDir, async (client) => {
      await client.send(new IndexFacesCommand({ CollectionId: 'torn', Image: { Bytes: await generateFace({ seed: 'after' }) }, ExternalImageId: 'after' }));
    });
    expect(readFileSync(join(folder, log), 'utf8')).not.toContain('half');
    const listed = await withRekognition(dataDir, (client) => client.send(new ListFacesCommand({ CollectionId: 'torn' })));
    expect(listed.Faces!.map((face) => face.ExternalImageId).sort()).toEqual(['after', 'before']);
  });

  it('starts the outbox after a torn line, with every whole email, and keeps the next one', () => {
    const dataDir = scratch();
    new Outbox({ dataDir }).send({ to: 'a@example.com', subject: 'first', body: 'code 1', source: 'test' });
    appendFileSync(join(dataDir, 'emails.jsonl'), '{"to":"a@example.com","subj');

    new Outbox({ dataDir }).send({ to: 'a@example.com', subject: 'second', body: 'code 2', source: 'test' });

    expect(new Outbox({ dataDir }).list().map((email) => email.subject)).toEqual(['first', 'second']);
  });
});
