// Which DynamoDB commands a piece of handler code sends, in order: for tests that hold a handler
// to the reads and writes its work needs (every call is a round trip on a sign-in's path).
import { vi } from 'vitest';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';

export async function dynamoDbCommandsOf(work: () => Promise<unknown>): Promise<string[]> {
  const sent = vi.spyOn(documentClient, 'send');
  try {
    await work();
    return sent.mock.calls.map(([command]) => command.constructor.name);
  } finally {
    sent.mockRestore();
  }
}
