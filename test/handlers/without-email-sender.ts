// Imported first by a handler test that runs the functions deployed without EMAIL_SENDER. The
// handlers read their configuration once, when loaded, so such a test lives in a file of its
// own (re-importing the handlers inside a test would also make every module-level constant look
// covered by that one test to the mutation run).
import './handler-test-environment.js';

delete process.env.EMAIL_SENDER;
