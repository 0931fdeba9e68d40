// The neural model's thread with a way to make it die, for neural-model-thread.test.ts: the real
// thread (neural-model-worker.mjs), except that a 3x3 picture makes it throw an exception nothing
// catches and a 5x5 one makes it exit, as a WebAssembly abort or a killed thread would end it.
import { parentPort } from 'node:worker_threads';
import '../../sim/rekognition/matcher/neural-model-worker.mjs';

// Registered after the real thread's listener (its module, loading included, is evaluated first):
// the picture is in hand when the thread dies.
parentPort.on('message', (request) => {
  if (request.width === 3) throw new Error('simulated abort in the face model');
  if (request.width === 5) process.exit(70);
});
