// A FunctionInvoker that calls functions through the Lambda Invoke API (LocalStack, real AWS, or
// the embedded sim's own Lambda endpoint), with the real @aws-sdk/client-lambda.
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { FunctionError, type AsyncInvokeOptions, type FunctionInvoker } from './function-invoker.js';

export interface LambdaApiInvokerOptions {
  /** e.g. `http://localhost:4566`; absent: the SDK's default (or `AWS_ENDPOINT_URL_LAMBDA`). */
  endpoint?: string;
  region?: string;
  credentials?: LambdaClientConfig['credentials'];
  /** A ready client instead of the options above. */
  client?: LambdaClient;
}

interface LambdaErrorPayload {
  errorType?: string;
  errorMessage?: string;
}

export class LambdaApiInvoker implements FunctionInvoker {
  private readonly client: LambdaClient;

  constructor(options: LambdaApiInvokerOptions = {}) {
    this.client =
      options.client ??
      new LambdaClient({
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
  }

  async invoke(functionName: string, event: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const abort = new AbortController();
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => abort.abort(), options.timeoutMs);
    let output;
    try {
      output = await this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
        { abortSignal: abort.signal },
      );
    } catch (error) {
      if (abort.signal.aborted) {
        throw new FunctionError('TimeoutError', `Task timed out after ${(options.timeoutMs! / 1000).toFixed(2)} seconds`);
      }
      const { name, message } = error as Error;
      if (name === 'ResourceNotFoundException') throw new FunctionError('ResourceNotFoundException', message);
      throw new FunctionError(name || 'ServiceException', message);
    } finally {
      clearTimeout(timer);
    }
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    const payload: unknown = text === '' ? undefined : JSON.parse(text);
    if (output.FunctionError) {
      const { errorType, errorMessage } = (payload ?? {}) as LambdaErrorPayload;
      // Lambda reports its own timeout as a function error ("Task timed out after 5.00 seconds").
      if (errorType === 'Sandbox.Timedout' || /Task timed out after/.test(errorMessage ?? '')) {
        throw new FunctionError('TimeoutError', errorMessage ?? 'Task timed out');
      }
      throw new FunctionError('Unhandled', errorMessage ?? errorType ?? output.FunctionError);
    }
    return payload;
  }

  /** The Lambda behind the endpoint keeps the event once it accepts it; nothing is kept here before that. */
  async invokeAsync(functionName: string, event: unknown, options: AsyncInvokeOptions = {}): Promise<void> {
    await options.after?.catch(() => undefined);
    try {
      await this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
    } catch (error) {
      const { name, message } = error as Error;
      throw new FunctionError(name === 'ResourceNotFoundException' ? name : name || 'ServiceException', message);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
