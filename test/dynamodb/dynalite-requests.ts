// DynamoDB JSON requests handed straight to dynalite's request handler, without a socket.
import { EventEmitter } from 'node:events';

export type DynaliteHandler = (request: EventEmitter, response: object) => void;

/** One DynamoDB JSON request through dynalite's own request handler. */
export function send(handler: DynaliteHandler, operation: string, input: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  return new Promise((answered) => {
    const request = Object.assign(new EventEmitter(), {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
    });
    const response = {
      statusCode: 200,
      setHeader() {},
      end(chunk?: string) {
        answered({ statusCode: response.statusCode, body: JSON.parse(chunk ?? '{}') as Record<string, unknown> });
      },
    };
    handler(request, response);
    request.emit('data', Buffer.from(JSON.stringify(input)));
    request.emit('end');
  });
}
