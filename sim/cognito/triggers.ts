// Calls a pool's Lambda triggers the way Cognito does: the documented event (version "1", all
// response fields present and initialised as Cognito initialises them), synchronously, 5 seconds
// at most, and maps a failure to the exception the client would see.
import { FunctionError, type FunctionInvoker } from '../lambda/function-invoker.js';
import { InvalidLambdaResponseError, UnexpectedLambdaError, UserLambdaValidationError } from './errors.js';
import type { TriggerName, UserPoolConfig } from './user-pool-config.js';

export const TRIGGER_TIMEOUT_MS = 5000;
/** "If it doesn't [answer within 5 seconds] and if the call can be retried, Amazon Cognito retries
 * the call. After three unsuccessful attempts, the function times out." (Cognito developer guide) */
export const TRIGGER_ATTEMPTS = 3;

export interface TriggerCall {
  triggerSource: string;
  userName: string;
  clientId: string;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

export class TriggerRunner {
  constructor(
    private readonly invoker: FunctionInvoker,
    private readonly pool: UserPoolConfig,
  ) {}

  isConfigured(trigger: TriggerName): boolean {
    return Boolean(this.pool.lambdaConfig?.[trigger]);
  }

  /**
   * Runs the trigger and returns the `response` object of the event it sent back, or undefined
   * when the pool has no such trigger.
   */
  async run(trigger: TriggerName, call: TriggerCall): Promise<Record<string, unknown> | undefined> {
    const functionName = this.pool.lambdaConfig?.[trigger];
    if (!functionName) return undefined;
    const event = {
      version: '1',
      triggerSource: call.triggerSource,
      region: this.pool.region,
      userPoolId: this.pool.userPoolId,
      userName: call.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: call.clientId },
      request: call.request,
      response: call.response,
    };
    let result: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        // Each attempt gets its own copy: a handler that mutated the event must not leak into a retry.
        result = await this.invoker.invoke(functionName, structuredClone(event), { timeoutMs: TRIGGER_TIMEOUT_MS });
        break;
      } catch (error) {
        // A function that threw answered in time: only timeouts are worth another attempt.
        const timedOut = error instanceof FunctionError && error.errorType === 'TimeoutError';
        if (!timedOut || attempt >= TRIGGER_ATTEMPTS) throw triggerFailure(trigger, error);
      }
    }
    // A handler that forgets to return the event is the classic cause of this error on AWS.
    if (!isObject(result) || !isObject(result.response)) throw new InvalidLambdaResponseError();
    return result.response;
  }
}

function triggerFailure(trigger: TriggerName, error: unknown): Error {
  if (error instanceof FunctionError) {
    if (error.errorType === 'TimeoutError') {
      return new UnexpectedLambdaError(trigger, 'Socket timeout while invoking Lambda function');
    }
    if (error.errorType === 'ResourceNotFoundException') {
      return new UnexpectedLambdaError(trigger, 'ResourceNotFoundException');
    }
    return new UserLambdaValidationError(trigger, error.message);
  }
  return new UnexpectedLambdaError(trigger, error instanceof Error ? error.message : String(error));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `StringMap` field of a trigger response: absent/null is empty, anything but strings is unusable. */
export function stringMapOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new InvalidLambdaResponseError();
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new InvalidLambdaResponseError();
    map[key] = entry;
  }
  return map;
}

/** `request.userAttributes` as Cognito fills it: the attributes plus the user's status. */
export function triggerUserAttributes(user: { attributes: Record<string, string>; status: string }): Record<string, string> {
  return { ...user.attributes, 'cognito:user_status': user.status };
}
