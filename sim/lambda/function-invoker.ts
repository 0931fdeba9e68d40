// How the sim calls a Lambda function: Cognito triggers and S3 notifications go through this
// interface, so the same code calls in-process bundles (embedded mode) or a Lambda Invoke API
// (LocalStack, or anything that speaks it).

/** The error payload Lambda returns with `X-Amz-Function-Error` (what the function threw). */
export interface FunctionErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export class FunctionError extends Error {
  constructor(
    /** `Unhandled` for a thrown error, `TimeoutError` when the function ran out of time. */
    readonly errorType: string,
    message: string,
    /** The function's own error (its `name`, message and stack) when known. */
    readonly payload?: FunctionErrorPayload,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

export interface FunctionInvoker {
  /**
   * Invokes synchronously (RequestResponse) and returns the function's result.
   * Rejects with FunctionError when the function throws or times out; `timeoutMs` caps the wait
   * on top of the function's own timeout (Cognito gives a trigger 5 seconds), counted from when
   * the function starts running where the invoker can tell (the embedded Lambda runtime).
   */
  invoke(functionName: string, event: unknown, options?: { timeoutMs?: number }): Promise<unknown>;
  /**
   * Invokes asynchronously (InvocationType Event): returns once the event is accepted. An invoker
   * that keeps events (the embedded Lambda, on disk) throws synchronously, before it returns its
   * promise, when it could not keep one (a full disk): S3 hands its events over before it answers,
   * and refuses the request (500) rather than acknowledge an upload whose event is lost. A rejected
   * promise is an invocation that failed otherwise (no such function, a remote Lambda down).
   */
  invokeAsync(functionName: string, event: unknown, options?: AsyncInvokeOptions): Promise<void>;
}

export interface AsyncInvokeOptions {
  /**
   * Delivery waits for this to settle: S3 hands an event over before it answers the request that
   * caused it (so an invoker that keeps events keeps it from then on), to be delivered after.
   */
  after?: Promise<unknown>;
}

/** In-process functions, keyed by name or ARN: for tests and simple embeddings. */
export class InProcessInvoker implements FunctionInvoker {
  constructor(private readonly functions: Record<string, (event: unknown) => Promise<unknown>>) {}

  async invoke(functionName: string, event: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const fn = this.functions[functionName];
    if (!fn) throw new FunctionError('ResourceNotFoundException', `Function not found: ${functionName}`);
    const run = fn(structuredClone(event)).catch((error: unknown) => {
      throw new FunctionError('Unhandled', error instanceof Error ? error.message : String(error));
    });
    if (options.timeoutMs === undefined) return run;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FunctionError('TimeoutError', `Task timed out after ${(options.timeoutMs! / 1000).toFixed(2)} seconds`)),
        options.timeoutMs,
      );
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async invokeAsync(functionName: string, event: unknown, options: AsyncInvokeOptions = {}): Promise<void> {
    const after = options.after?.catch(() => undefined) ?? Promise.resolve();
    after.then(() => this.invoke(functionName, event)).catch(() => undefined);
  }
}
