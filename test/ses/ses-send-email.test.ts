import { BadRequestException, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../sim/clock.js';
import { Outbox } from '../../sim/outbox.js';
import { createSesService } from '../../sim/ses/ses-service.js';

let app: ReturnType<typeof Fastify>;
let client: SESv2Client;
let outbox: Outbox;
const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));

beforeEach(async () => {
  outbox = new Outbox({ clock });
  app = Fastify();
  await app.register(createSesService({ outbox, clock }).routes);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  client = new SESv2Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${address.port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  client.destroy();
  await app.close();
});

describe('SES v2 SendEmail through @aws-sdk/client-sesv2', () => {
  it('puts one email per recipient in the outbox and returns a MessageId', async () => {
    const result = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@facekit.test',
        Destination: { ToAddresses: ['alice@example.com'], CcAddresses: ['bob@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Your sign-in code' },
            Body: { Text: { Data: 'Code: 123456' }, Html: { Data: '<p>Code: <b>123456</b></p>' } },
          },
        },
      }),
    );
    expect(result.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-\d{6}$/);
    expect(outbox.list()).toEqual([
      { to: 'alice@example.com', from: 'no-reply@facekit.test', subject: 'Your sign-in code', body: 'Code: 123456', source: 'ses', sentAt: '2026-03-01T12:00:00.000Z' },
      { to: 'bob@example.com', from: 'no-reply@facekit.test', subject: 'Your sign-in code', body: 'Code: 123456', source: 'ses', sentAt: '2026-03-01T12:00:00.000Z' },
    ]);
  });

  it('uses the HTML body when there is no text body', async () => {
    await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@facekit.test',
        Destination: { ToAddresses: ['carol@example.com'] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Html: { Data: '<p>hello</p>' } } } },
      }),
    );
    expect(outbox.list({ to: 'CAROL@example.com' })[0]?.body).toBe('<p>hello</p>');
  });

  it.each([
    ['no recipients', { FromEmailAddress: 'a@b.test', Destination: { ToAddresses: [] } }, "Missing required header 'To'."],
    ['a malformed recipient', { FromEmailAddress: 'a@b.test', Destination: { ToAddresses: ['not-an-address'] } }, "Missing final '@domain'"],
    ['no sender', { Destination: { ToAddresses: ['x@y.test'] } }, 'FromEmailAddress is required'],
  ])('rejects %s with BadRequestException', async (_case, input, message) => {
    const error = await client
      .send(new SendEmailCommand({ ...input, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } } }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).message).toBe(message);
    expect((error as BadRequestException).$metadata.httpStatusCode).toBe(400);
    expect(outbox.list()).toEqual([]);
  });
});

describe('a body that is not UTF-8', () => {
  it('is refused as no JSON and sends nothing, where its bytes used to become U+FFFD in the email', async () => {
    const address = app.server.address() as { port: number };
    const body = Buffer.concat([
      Buffer.from('{"FromEmailAddress":"a@b.test","Destination":{"ToAddresses":["'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('x@example.com"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"b"}}}}}'),
    ]);
    const response = await fetch(`http://127.0.0.1:${address.port}/v2/email/outbound-emails`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await response.json()).toEqual({ message: 'Request body is not valid JSON' });
    expect(outbox.list()).toEqual([]);
  });
});
