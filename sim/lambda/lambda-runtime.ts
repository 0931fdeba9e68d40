// The embedded Lambda service: runs each function's bundle (e.g. `cdk.out/asset.<hash>`) in
// worker threads of this process. Each worker is one execution environment: its own
// `process.env`, its own module state, one invocation at a time, kept warm between invocations,
// terminated when an invocation runs past the function's timeout.
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FastifyPluginAsync } from 'fastify';
import { systemClock, type Clock } from '../clock.js';
import type { RequestSignatureVerifier } from '../request-signature.js';
import { AsyncInvocationLog } from './async-invocation-log.js';
import { FunctionError, type AsyncInvokeOptions, type FunctionErrorPayload, type FunctionInvoker } from './function-invoker.js';
import { lambdaApiRoutes } from './lambda-api-routes.js';

export interface FunctionDefinition {
  /** FunctionName */
  name: string;
  arn: string;
  /** An unzipped bundle directory, e.g. `cdk.out/asset.<hash>`. */
  codeDir: string;
  /** `<module>.<export>`, e.g. `index.handler` (→ `index.mjs` or `index.js`). */
  handler: string;
  /** e.g. `nodejs22.x`; informative only: every function runs on this process's Node. */
  runtime: string;
  timeoutSeconds: number;
  memoryMb?: number;
  environment: Record<string, string>;
  /**
   * false for a function run rarely (a daily schedule): not loaded ahead of its first invocation,
   * and shut down once idle, down to no environment at all. Default true: loaded at start, and
   * one environment kept when idle.
   */
  keepWarm?: boolean;
  /** The credentials the function signs its calls with (its role's); without them, the base environment's. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** The template's `Role` (reported by GetFunctionConfiguration). */
  roleArn?: string;
  /** The template's `Architectures`; default `x86_64`, Lambda's. */
  architectures?: string[];
  /** The template's `Description`. */
  description?: string;
  /** The template's `LoggingConfig.LogGroup` (its name); default `/aws/lambda/<name>`, Lambda's. */
  logGroup?: string;
  /** The template's `LoggingConfig.LogFormat`; default `Text`. */
  logFormat?: string;
}

/** Where a function's logs go: the template's log group, or Lambda's default one. */
export function logGroupOf(definition: Pick<FunctionDefinition, 'name' | 'logGroup'>): string {
  return definition.logGroup ?? `/aws/lambda/${definition.name}`;
}

export interface LambdaRuntimeOptions {
  functions: FunctionDefinition[];
  /** Variables every function sees under its own (e.g. `AWS_ENDPOINT_URL` of the sim). */
  baseEnv?: Record<string, string>;
  /** Stamps the timeout message; timeouts themselves run on real time. */
  clock?: Clock;
  /** Receives every line a function writes (console, stdout, stderr) and Lambda's START/END/REPORT lines. */
  onLog?(functionName: string, line: string): void;
  region?: string;
  accountId?: string;
  /** Waits before the 2nd and 3rd attempt of a failed asynchronous invocation (Lambda: about 1 and 2 minutes). */
  asyncRetryDelaysMs?: number[];
  /**
   * Execution environments per function; further invocations wait for a free one. Default:
   * `FACEKIT_LAMBDA_CONCURRENCY`, else the machine's cores (at least 2). A trigger spends most of
   * its time waiting on the sim's own APIs, which answer on the one main thread, so a few
   * environments keep the cores busy; more only add memory (each holds its own SDK clients) and
   * contention (measured in docs/lambda-dynamodb.md, "Fewer workers per function").
   */
  maxConcurrencyPerFunction?: number;
  /** An environment idle this long is shut down, except the last one of each function. Default 30 s. */
  idleTimeoutMs?: number;
  /** How long loading a bundle may take (Lambda's init phase is limited to 10 s). */
  initTimeoutMs?: number;
  /** When given, the Lambda API answers only SigV4-signed calls of the local credentials. */
  signatures?: RequestSignatureVerifier;
  /** Checks a signed Lambda API call against the caller's permissions (sim/iam/access-control.ts): the refusal's message, or undefined. */
  authorize?: (accessKeyId: string, action: string, resource: string) => string | undefined;
  /**
   * Where accepted asynchronous invocations are kept until delivered (`lambda/` in it), so that a
   * kit stopped or killed in between delivers them at its next start (`resumeAsync`). Without
   * one they are kept in memory only.
   */
  dataDir?: string;
}

export interface LambdaRuntime extends FunctionInvoker {
  /** Lambda's Invoke, GetFunction, GetFunctionConfiguration and ListFunctions APIs under `/2015-03-31/functions`. */
  routes: FastifyPluginAsync;
  /** The function a name, ARN or partial ARN designates, if any. */
  resolve(nameOrArn: string): FunctionDefinition | undefined;
  functionArn(nameOrArn: string): string;
  listFunctions(): FunctionDefinition[];
  /**
   * Starts one execution environment per function ahead of the first invocation, so that the
   * first trigger call does not pay for loading the bundle (a cold start takes about a second).
   * Resolves when all are loaded; a function that fails to load reports it on invocation.
   */
  prewarm(): Promise<void>;
  /** Resolves once every accepted asynchronous invocation (with its retries) has finished. */
  drainAsync(): Promise<void>;
  /**
   * Delivers what a previous run accepted and did not finish (kept in `dataDir`), once the APIs
   * the functions call are listening. Returns how many there were.
   */
  resumeAsync(): number;
  close(): Promise<void>;
}

export interface InvokeOptions {
  /**
   * The caller's limit on a run, on top of the function's own timeout, counted from when an
   * environment takes the invocation (not while it waits for a free one).
   */
  timeoutMs?: number;
  /** Receives this invocation's log lines, START to REPORT (Invoke's `LogType: Tail`). */
  onLog?(line: string): void;
}

interface EnvironmentSettings {
  clock: Clock;
  onLog(functionName: string, line: string): void;
  maxConcurrency: number;
  initTimeoutMs: number;
  idleTimeoutMs: number;
}

interface InvocationOutcome {
  payload?: string;
  error?: FunctionErrorPayload;
}

type WorkerMessage =
  | { type: 'ready'; memoryUsedMb: number }
  | { type: 'log'; text: string }
  | { type: 'init-error'; error: FunctionErrorPayload }
  | { type: 'result'; requestId: string; memoryUsedMb: number; payload?: string; error?: FunctionErrorPayload };

const DEFAULT_ASYNC_RETRY_DELAYS_MS = [1_000, 2_000];

export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const clock = options.clock ?? systemClock;
  const region = options.region ?? options.baseEnv?.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const onLog = options.onLog ?? ((functionName: string, line: string) => process.stdout.write(`[${functionName}] ${line}\n`));
  const retryDelays = options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS;
  const maxConcurrency = options.maxConcurrencyPerFunction ?? defaultConcurrencyPerFunction();
  const initTimeoutMs = options.initTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;

  const settings: EnvironmentSettings = { clock, onLog, maxConcurrency, initTimeoutMs, idleTimeoutMs };
  const byName = new Map<string, FunctionPool>();
  const byArn = new Map<string, FunctionPool>();
  for (const definition of options.functions) {
    const pool = new FunctionPool(definition, environmentOf(definition), settings);
    byName.set(definition.name, pool);
    byArn.set(definition.arn, pool);
  }
  const pendingAsync = new Set<Promise<void>>();
  const asyncLog = new AsyncInvocationLog(options.dataDir ? join(options.dataDir, 'lambda', 'async-invocations.jsonl') : undefined);
  const retryTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  function environmentOf(definition: FunctionDefinition): Record<string, string> {
    const base = options.baseEnv ?? pick(process.env, ['PATH', 'LANG']);
    const logStream = `${new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    return {
      // The SDK warns about this process's Node version, which is not the function's runtime.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...base,
      ...definition.environment,
      AWS_ACCESS_KEY_ID: definition.credentials?.accessKeyId ?? base.AWS_ACCESS_KEY_ID ?? 'test',
      AWS_SECRET_ACCESS_KEY: definition.credentials?.secretAccessKey ?? base.AWS_SECRET_ACCESS_KEY ?? 'test',
      ...(definition.credentials
        ? { AWS_SESSION_TOKEN: definition.credentials.sessionToken }
        : base.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: base.AWS_SESSION_TOKEN } : {}),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: definition.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memoryMb ?? 128),
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(definition.timeoutSeconds),
      AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(definition),
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_EXECUTION_ENV: `AWS_Lambda_${definition.runtime}`,
      LAMBDA_TASK_ROOT: resolvePath(definition.codeDir),
      _HANDLER: definition.handler,
    };
  }

  function resolve(nameOrArn: string): FunctionDefinition | undefined {
    return poolOf(nameOrArn)?.definition;
  }

  function poolOf(nameOrArn: string): FunctionPool | undefined {
    const exact = byArn.get(nameOrArn) ?? byName.get(nameOrArn);
    if (exact) return exact;
    // Full ARN, partial ARN (`123456789012:function:name`, `function:name`) or `name:qualifier`.
    const match = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn)
      ?? /^([^:]+):(?:\$LATEST|[A-Za-z0-9_-]+)$/.exec(nameOrArn);
    return match ? byName.get(match[1]) : undefined;
  }

  function functionArn(nameOrArn: string): string {
    const found = resolve(nameOrArn);
    if (found) return found.arn;
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    return `arn:aws:lambda:${region}:${accountId}:function:${nameOrArn}`;
  }

  function requirePool(nameOrArn: string): FunctionPool {
    if (closed) throw new FunctionError('ServiceException', 'The Lambda runtime is closed');
    const pool = poolOf(nameOrArn);
    if (!pool) throw new FunctionError('ResourceNotFoundException', `Function not found: ${functionArn(nameOrArn)}`);
    return pool;
  }

  async function invoke(functionName: string, event: unknown, invokeOptions: InvokeOptions = {}): Promise<unknown> {
    const pool = requirePool(functionName);
    const payload = JSON.stringify(event ?? null);
    const { timeoutMs, onLog: invocationLog } = invokeOptions;
    const outcome = timeoutMs === undefined
      ? await pool.invoke(payload, invocationLog)
      : await withCallerTimeout((taken) => pool.invoke(payload, invocationLog, taken), timeoutMs);
    if (outcome.error) throw toFunctionError(outcome.error);
    return JSON.parse(outcome.payload ?? 'null');
  }

  /**
   * Accepted once written down (synchronously, before this returns its promise); delivered once
   * `options.after` has settled (S3 notifies once its response has gone out). A write that fails
   * is thrown, not returned as a rejection (FunctionInvoker.invokeAsync): S3 then answers 500.
   */
  function invokeAsync(functionName: string, event: unknown, invokeOptions: AsyncInvokeOptions = {}): Promise<void> {
    let pool: FunctionPool;
    try {
      pool = requirePool(functionName);
    } catch (error) {
      return Promise.reject(error);
    }
    const payload = JSON.stringify(event ?? null);
    const id = asyncLog.accept(pool.definition.name, payload);
    deliverInBackground(id, pool, payload, invokeOptions.after);
    return Promise.resolve();
  }

  function deliverInBackground(id: string, pool: FunctionPool, payload: string, after?: Promise<unknown>): void {
    const delivery = (async () => {
      await after?.catch(() => undefined);
      if (await deliverWithRetries(pool, payload)) asyncLog.finish(id);
    })().finally(() => pendingAsync.delete(delivery));
    pendingAsync.add(delivery);
  }

  function resumeAsync(): number {
    const unfinished = asyncLog.unfinished();
    for (const { id, functionName, payload } of unfinished) {
      const pool = byName.get(functionName);
      if (pool) {
        deliverInBackground(id, pool, payload);
      } else {
        onLog(functionName, 'Asynchronous invocation from before the restart dropped: the function is no longer in the stack');
        asyncLog.finish(id);
      }
    }
    return unfinished.length;
  }

  /** True once the invocation has its outcome (success, or the last attempt failed); false when the runtime closed first. */
  async function deliverWithRetries(pool: FunctionPool, payload: string): Promise<boolean> {
    for (let attempt = 0; attempt <= retryDelays.length; attempt += 1) {
      if (attempt > 0) {
        await new Promise<void>((wake) => {
          const timer = setTimeout(() => {
            retryTimers.delete(timer);
            wake();
          }, retryDelays[attempt - 1]);
          retryTimers.add(timer);
        });
      }
      if (closed) return false;
      let outcome: InvocationOutcome;
      try {
        outcome = await pool.invoke(payload);
      } catch (error) {
        outcome = { error: { errorType: 'ServiceException', errorMessage: String(error) } };
      }
      if (!outcome.error) return true;
      // An environment ended by the close: the next start delivers the event again.
      if (closed) return false;
      const last = attempt === retryDelays.length;
      onLog(pool.definition.name, `Asynchronous invocation failed (attempt ${attempt + 1} of ${retryDelays.length + 1})` +
        `${last ? ', event dropped' : ', retrying'}: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    }
    return true;
  }

  async function prewarm(): Promise<void> {
    // One function at a time: seven workers loading their bundles at once on two cores starve the
    // main thread, and the first requests after listen waited for them (about 200 ms).
    let firstFailure: unknown;
    for (const pool of byName.values()) await pool.prewarm().catch((error: unknown) => (firstFailure ??= error));
    if (firstFailure) throw firstFailure;
  }

  async function drainAsync(): Promise<void> {
    while (pendingAsync.size > 0) await Promise.allSettled([...pendingAsync]);
  }

  async function close(): Promise<void> {
    closed = true;
    for (const timer of retryTimers) clearTimeout(timer);
    retryTimers.clear();
    await Promise.all([...byName.values()].map((pool) => pool.close()));
    asyncLog.close();
  }

  return {
    invoke,
    invokeAsync,
    resolve,
    functionArn,
    listFunctions: () => options.functions.slice(),
    prewarm,
    drainAsync,
    resumeAsync,
    close,
    routes: lambdaApiRoutes({ invoke, invokeAsync, resolve, functionArn, listFunctions: () => options.functions.slice(), region, accountId }, options.signatures, undefined, options.authorize),
  };
}

/**
 * The execution environments of one function: workers created on demand, each running one
 * invocation at a time, reused while warm.
 */
class FunctionPool {
  private closed = false;
  /** Free environments, the most recently used last (reused first, so the others can go idle). */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiting: Array<() => void> = [];
  private readonly idleSince = new Map<ExecutionEnvironment, number>();
  private reaper?: NodeJS.Timeout;
  /** The pool grew past one environment since its last fresh start (a burst, a load). */
  private grew = false;

  constructor(
    readonly definition: FunctionDefinition,
    private readonly env: Record<string, string>,
    private readonly settings: EnvironmentSettings,
  ) {}

  /** `taken` is called once an environment takes the invocation, after any wait for a free one. */
  async invoke(payload: string, invocationLog?: (line: string) => void, taken?: () => void): Promise<InvocationOutcome> {
    const environment = await this.acquire();
    taken?.();
    try {
      return await environment.invoke(payload, invocationLog);
    } finally {
      this.release(environment);
    }
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      if (this.closed) throw new FunctionError('ServiceException', 'The Lambda runtime is closed');
      const warm = this.idle.pop();
      if (warm) this.idleSince.delete(warm);
      if (warm?.usable) return warm;
      if (warm) {
        // It died while idle (e.g. a rejection left unhandled by the previous invocation).
        this.all.delete(warm);
        continue;
      }
      if (this.all.size < this.settings.maxConcurrency) {
        if (this.all.size > 0) this.grew = true;
        const fresh = new ExecutionEnvironment(this.definition, this.env, this.settings);
        this.all.add(fresh);
        return fresh;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  /** Environments an idle pool keeps: one, or none for a function not kept warm. */
  private get kept(): number {
    return this.definition.keepWarm === false ? 0 : 1;
  }

  async prewarm(): Promise<void> {
    if (this.closed || this.all.size > 0 || this.kept === 0) return;
    const fresh = new ExecutionEnvironment(this.definition, this.env, this.settings);
    this.all.add(fresh);
    this.idle.push(fresh);
    await fresh.loaded();
  }

  /** How many execution environments exist now (busy or idle). */
  get size(): number {
    return this.all.size;
  }

  private release(environment: ExecutionEnvironment): void {
    if (environment.usable && !this.closed) {
      this.idle.push(environment);
      this.idleSince.set(environment, Date.now());
      this.scheduleReaper();
    } else this.all.delete(environment);
    this.waiting.shift()?.();
  }

  /**
   * Shuts down environments idle past the timeout, as Lambda reclaims idle ones, keeping one warm
   * (none for a function not kept warm).
   * After the pool grew, the one kept is a fresh environment rather than the last one used: a
   * worker that served a load keeps the heap it grew to (V8 collects its old generation only when
   * it needs room), so the process would not come back to its idle footprint.
   */
  private scheduleReaper(): void {
    if (this.reaper || (this.all.size <= this.kept && !this.grew)) return;
    this.reaper = setTimeout(() => {
      this.reaper = undefined;
      const cutoff = Date.now() - this.settings.idleTimeoutMs;
      const idlePastCutoff = () => this.idle.length > 0 && (this.idleSince.get(this.idle[0]!) ?? 0) <= cutoff;
      // Oldest-idle first: the front of `idle` is the least recently used.
      while (this.all.size > this.kept && idlePastCutoff()) this.retire(this.idle[0]!);
      if (this.all.size === 0) this.grew = false;
      if (this.grew && this.all.size === 1 && idlePastCutoff()) {
        this.grew = false;
        this.retire(this.idle[0]!);
        // An environment that fails to load reports it to the next invocation, as at start-up.
        this.prewarm().catch(() => undefined);
      }
      this.scheduleReaper();
    }, Math.max(1_000, this.settings.idleTimeoutMs / 2));
    this.reaper.unref();
  }

  private retire(environment: ExecutionEnvironment): void {
    this.idle.splice(this.idle.indexOf(environment), 1);
    this.idleSince.delete(environment);
    this.all.delete(environment);
    void environment.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reaper);
    this.idleSince.clear();
    await Promise.all([...this.all].map((environment) => environment.terminate()));
    this.all.clear();
    this.idle.length = 0;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** One worker thread: loads the bundle once, then serves invocations one by one. */
class ExecutionEnvironment {
  usable = true;
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private current?: { requestId: string; settle(outcome: InvocationOutcome): void };
  private exitCode?: number;
  private readonly logStreamName: string;
  /** How long the bundle took to load, reported once, on the environment's first REPORT line. */
  private initDurationMs?: number;
  /** The most memory the environment has reported using (function-worker.mjs, memoryUsedMb). */
  private maxMemoryUsedMb = 0;
  /** The running invocation's own log: an environment runs one at a time, so its lines are that one's. */
  private invocationLog?: (line: string) => void;

  constructor(
    private readonly definition: FunctionDefinition,
    env: Record<string, string>,
    private readonly settings: EnvironmentSettings,
  ) {
    const { initTimeoutMs } = settings;
    const createdTick = performance.now();
    this.logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME ?? '';
    this.worker = new Worker(new URL('./function-worker.mjs', import.meta.url), {
      workerData: { codeDir: definition.codeDir, handler: definition.handler },
      env,
      // The host's loaders (tsx, vitest) have no business inside a function; a CPU profile of the
      // host (`node --cpu-prof`) covers its functions too.
      execArgv: process.execArgv.filter((flag) => flag.startsWith('--cpu-prof')),
      resourceLimits: workerResourceLimits(definition),
      stdout: true,
      stderr: true,
    });
    // The worker sends what the function writes as `log` messages; these streams carry only
    // what bypasses it (e.g. native code).
    forwardLines(this.worker.stdout, (line) => this.log(line));
    forwardLines(this.worker.stderr, (line) => this.log(line));
    const logLines = lineSplitter((line) => this.log(line));

    let initialized = false;
    this.ready = new Promise<void>((ready, failed) => {
      const initTimer = setTimeout(() => {
        failed(initFailure('Runtime.InitTimeout', `Init phase took longer than ${initTimeoutMs / 1000} seconds`));
        void this.terminate();
      }, initTimeoutMs);
      this.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'log') {
          logLines.push(message.text);
        } else if (message.type === 'ready') {
          initialized = true;
          this.initDurationMs = performance.now() - createdTick;
          this.maxMemoryUsedMb = message.memoryUsedMb;
          clearTimeout(initTimer);
          ready();
        } else if (message.type === 'init-error') {
          clearTimeout(initTimer);
          failed(initFailure(message.error.errorType, message.error.errorMessage, message.error.trace));
          void this.terminate();
        } else if (message.type === 'result' && this.current?.requestId === message.requestId) {
          this.maxMemoryUsedMb = Math.max(this.maxMemoryUsedMb, message.memoryUsedMb);
          this.current.settle(message.error ? { error: message.error } : { payload: message.payload });
        }
      });
      this.worker.on('error', (error: Error & { code?: string }) => {
        this.usable = false;
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          // Past the function's memory size (workerResourceLimits): Lambda kills the runtime.
          const killed = { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: signal: killed' };
          this.log(`Error: ${killed.errorMessage}`);
          this.log(killed.errorType);
          if (!initialized) failed(initFailure(killed.errorType, killed.errorMessage));
          this.current?.settle({ error: killed });
          return;
        }
        // An exception that escaped the handler (e.g. an unawaited rejection) kills the environment.
        this.log(`Uncaught ${error.name}: ${error.message}`);
        if (!initialized) failed(initFailure('Runtime.UnhandledPromiseRejection', error.message));
        this.current?.settle({ error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: error.message, trace: error.stack?.split('\n') } });
      });
      this.worker.on('exit', (code) => {
        logLines.end();
        this.usable = false;
        this.exitCode = code;
        clearTimeout(initTimer);
        if (!initialized) failed(initFailure('Runtime.ExitError', `Runtime exited with error: exit status ${code}`));
        this.current?.settle({ error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}` } });
      });
    });
    // Init failures surface through invoke(); this keeps an unobserved one from being "unhandled".
    this.ready.catch(() => undefined);
  }

  /** Whether the bundle loaded; never rejects. */
  loaded(): Promise<boolean> {
    return this.ready.then(() => true, () => false);
  }

  private log(line: string): void {
    this.settings.onLog(this.definition.name, line);
    this.invocationLog?.(line);
  }

  async invoke(payload: string, invocationLog?: (line: string) => void): Promise<InvocationOutcome> {
    try {
      await this.ready;
    } catch (error) {
      return { error: (error as InitFailure).payload };
    }
    if (!this.usable) {
      return { error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${this.exitCode ?? 1}` } };
    }
    const { name, timeoutSeconds, memoryMb = 128, arn } = this.definition;
    const { clock } = this.settings;
    const requestId = randomUUID();
    const startedAt = Date.now();
    // Lambda reports durations to the hundredth of a millisecond: timed on the monotonic clock,
    // not Date.now(), whose whole milliseconds read 0.00 for most warm invocations.
    const startedTick = performance.now();
    const timeoutMs = timeoutSeconds * 1000;
    this.invocationLog = invocationLog;
    this.log(`START RequestId: ${requestId} Version: $LATEST`);
    const outcome = await new Promise<InvocationOutcome>((settle) => {
      const timer = setTimeout(() => {
        const message = `${new Date(clock.now()).toISOString()} ${requestId} Task timed out after ${((Date.now() - startedAt) / 1000).toFixed(2)} seconds`;
        this.log(message);
        this.usable = false;
        void this.worker.terminate();
        settle({ error: { errorType: 'Sandbox.Timedout', errorMessage: message } });
      }, timeoutMs);
      this.current = {
        requestId,
        settle: (result) => {
          clearTimeout(timer);
          this.current = undefined;
          settle(result);
        },
      };
      this.worker.postMessage({
        type: 'invoke',
        requestId,
        payload,
        context: {
          functionName: name,
          functionVersion: '$LATEST',
          invokedFunctionArn: arn,
          memoryLimitInMB: String(memoryMb),
          awsRequestId: requestId,
          logGroupName: logGroupOf(this.definition),
          logStreamName: this.logStreamName,
          deadlineMs: startedAt + timeoutMs,
        },
      });
    });
    const duration = performance.now() - startedTick;
    this.log(`END RequestId: ${requestId}`);
    // Lambda's fields, in Lambda's order, so that what parses its REPORT lines parses these. Init
    // Duration goes on an environment's first invocation even when it loaded ahead of it (warmed
    // at start-up), as Lambda's provisioned environments report theirs.
    const init = this.initDurationMs === undefined ? '' : `\tInit Duration: ${this.initDurationMs.toFixed(2)} ms`;
    this.initDurationMs = undefined;
    this.log(
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${this.maxMemoryUsedMb} MB${init}`,
    );
    this.invocationLog = undefined;
    return outcome;
  }

  async terminate(): Promise<void> {
    this.usable = false;
    await this.worker.terminate();
  }
}

class InitFailure extends Error {
  constructor(readonly payload: FunctionErrorPayload) {
    super(payload.errorMessage);
  }
}

function initFailure(errorType: string, errorMessage: string, trace?: string[]): InitFailure {
  return new InitFailure({ errorType, errorMessage, ...(trace ? { trace } : {}) });
}

/** Timeouts are `TimeoutError`; anything the function threw is `Unhandled`, with the thrown error kept. */
function toFunctionError(payload: FunctionErrorPayload): FunctionError {
  const kind = payload.errorType === 'Sandbox.Timedout' ? 'TimeoutError' : 'Unhandled';
  return new FunctionError(kind, payload.errorMessage, payload);
}

/**
 * The caller stops waiting (Cognito gives a trigger 5 s); the invocation itself runs on to its own
 * timeout. The caller's clock starts when an environment takes the invocation, cold start
 * included, as on AWS. Time spent waiting for a free environment is not counted: that queue is
 * this emulator's (its pools are sized to the machine's cores), where Lambda would have started
 * another environment at once. Counted, it made every trigger time out once the machine was
 * overloaded (64 clients here), and Cognito's retries then ran the same work twice, which
 * overloaded it further.
 */
async function withCallerTimeout(
  run: (taken: () => void) => Promise<InvocationOutcome>,
  timeoutMs: number,
): Promise<InvocationOutcome> {
  let timer: NodeJS.Timeout | undefined;
  let startClock!: () => void;
  const timeout = new Promise<InvocationOutcome>((settle) => {
    startClock = () => {
      timer = setTimeout(
        () => settle({ error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` } }),
        timeoutMs,
      );
    };
  });
  try {
    return await Promise.race([run(startClock), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns chunks of text into whole lines; a line cut between chunks waits for its end. */
function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      // Blank lines carry nothing and would show as empty prefixed lines.
      for (const line of lines) if (line.trim() !== '') emit(line.replace(/\r$/, ''));
    },
    end() {
      if (pending.trim() !== '') emit(pending);
      pending = '';
    },
  };
}

function forwardLines(stream: NodeJS.ReadableStream, emit: (line: string) => void): void {
  const lines = lineSplitter(emit);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => lines.push(chunk));
  stream.on('end', () => lines.end());
}

/**
 * V8's heap limits of one execution environment. The young generation is what makes a busy worker
 * big: V8 lets it grow to 48 MiB per isolate (16 MiB semi-spaces) when a thread allocates fast,
 * as a trigger making SDK calls does, and keeps it until the worker ends, so 9 functions times 4
 * workers could hold well over 1 GiB of nursery under load. A trigger's short-lived garbage fits
 * in a few MiB: capped at WORKER_YOUNG_GENERATION_MB, scavenges are more frequent but each is small
 * (measured: same CPU per sign-in within noise, docs/lambda-dynamodb.md "Memory"). The old
 * generation is capped at the function's memory size, as Lambda stops a function that exceeds it.
 */
const WORKER_YOUNG_GENERATION_MB = 6;
function workerResourceLimits(definition: FunctionDefinition): ResourceLimits {
  return {
    maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
    maxOldGenerationSizeMb: Math.max(64, definition.memoryMb ?? 128),
  };
}

function defaultConcurrencyPerFunction(): number {
  const configured = Number(process.env.FACEKIT_LAMBDA_CONCURRENCY);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return Math.max(2, availableParallelism());
}

function pick(source: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
