// The inside of one Lambda execution environment: a worker thread that loads one function's
// bundle, then runs one invocation at a time on request of the runtime (lambda-runtime.ts).
// Plain JavaScript on purpose: a worker is started by Node itself, outside tsx's or vitest's
// TypeScript loaders.
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setImmediate } from 'node:timers';
import { format } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

const { handler } = workerData;
const codeDir = resolve(workerData.codeDir);

/** The request id of the invocation in progress, stamped on console lines as Lambda does. */
let currentRequestId;

// What the function writes (console, process.stdout/stderr) is collected and sent to the runtime
// in one message per turn of the event loop, and always before the invocation's result: a worker
// stream would cost one message per write, several per invocation.
let pendingLog = '';
let flushScheduled = false;
function flushLog() {
  flushScheduled = false;
  if (pendingLog === '') return;
  parentPort.postMessage({ type: 'log', text: pendingLog });
  pendingLog = '';
}
function writeLog(text) {
  pendingLog += text;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLog);
  }
}
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, callback) => {
    writeLog(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
}
process.on('exit', flushLog);

/**
 * What Lambda's REPORT line calls Max Memory Used, for this environment: its V8 heap and the
 * memory its objects hold outside it, in MB. The function's memory size caps that same heap
 * (lambda-runtime.ts, workerResourceLimits); the process's RSS is shared by every environment.
 */
function memoryUsedMb() {
  const { total_heap_size: heap, external_memory: external } = getHeapStatistics();
  return Math.ceil((heap + external) / 1048576);
}

// Lambda's text log format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`.
for (const [method, level] of [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
]) {
  console[method] = (...args) => {
    writeLog(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
  };
}

function errorPayload(error, fallbackType = 'Error') {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) };
}

/**
 * Whether a `.js` file of the bundle is an ES module. Lambda runs `/var/task` with no package.json
 * above it, so only a package.json inside the bundle counts: the project's own `"type": "module"`
 * (the bundle sits in the project's cdk.out) must not turn a CommonJS bundle into ESM.
 */
function isEsmJavaScript(file) {
  for (let directory = dirname(file); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (directory === codeDir || !directory.startsWith(codeDir + sep)) return false;
  }
}

// CommonJS `.js` files of the bundle are compiled as CommonJS even though Node would read the
// project's package.json and treat them as ESM.
const compileJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function compileBundleFile(module, filename) {
  if (filename.startsWith(codeDir + sep) && !isEsmJavaScript(filename)) {
    module._compile(readFileSync(filename, 'utf8'), filename);
    return;
  }
  compileJavaScript.call(this, module, filename);
};

/** `index.handler` → `<codeDir>/index.mjs|.js|.cjs`, export `handler` (the last dot separates the export). */
async function loadHandler() {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${handler}: expected <module>.<export>`), { name: 'Runtime.MalformedHandlerName' });
  }
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((extension) => join(codeDir, modulePath + extension)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  }
  let loaded;
  try {
    loaded = file.endsWith('.mjs') || (file.endsWith('.js') && isEsmJavaScript(file))
      ? await import(pathToFileURL(file).href)
      : { default: createRequire(file)(file) };
  } catch (error) {
    throw Object.assign(new Error(`Error: ${error?.message ?? error}`), { name: 'Runtime.ImportModuleError', stack: error?.stack });
  }
  // A CommonJS bundle imported from ESM exposes module.exports as `default`.
  const fn = loaded[exportName] ?? loaded.default?.[exportName];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

/** Runs an async handler, or a callback-style one (three parameters, no promise returned). */
function runHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error('handled'));
    let returned;
    try {
      returned = fn(event, context, callback);
    } catch (error) {
      callback(error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then((result) => callback(null, result), (error) => callback(error));
    } else if (fn.length < 3) {
      callback(null, returned);
    }
  });
}

let handlerFunction;
try {
  handlerFunction = await loadHandler();
  flushLog();
  parentPort.postMessage({ type: 'ready', memoryUsedMb: memoryUsedMb() });
} catch (error) {
  flushLog();
  parentPort.postMessage({ type: 'init-error', error: errorPayload(error, 'Runtime.ImportModuleError') });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke' || !handlerFunction) return;
  const { requestId, payload, context: contextFields } = message;
  currentRequestId = requestId;
  const context = {
    ...contextFields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, contextFields.deadlineMs - Date.now()),
  };
  delete context.deadlineMs;
  try {
    const result = await runHandler(handlerFunction, JSON.parse(payload), context);
    let serialized;
    try {
      serialized = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      flushLog();
      parentPort.postMessage({
        type: 'result',
        requestId,
        memoryUsedMb: memoryUsedMb(),
        error: { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${error.message}` },
      });
      return;
    }
    flushLog();
    parentPort.postMessage({ type: 'result', requestId, memoryUsedMb: memoryUsedMb(), payload: serialized });
  } catch (error) {
    const payloadOfError = errorPayload(error);
    // Lambda logs an unhandled error in the function's log before answering.
    writeLog(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(payloadOfError)}\n`);
    flushLog();
    parentPort.postMessage({ type: 'result', requestId, memoryUsedMb: memoryUsedMb(), error: payloadOfError });
  } finally {
    currentRequestId = undefined;
  }
});
