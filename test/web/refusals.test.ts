// The page's words for what went wrong (web/src/refusals.js) that need no kit: a camera that did
// not start, by the error getUserMedia rejects with. Cognito's errors and the photo refusals are
// checked against a started kit in face-sign-in-flow.test.ts.
import { describe, expect, it } from 'vitest';
import { describeCameraProblem, describeRefusal } from '../../web/src/refusals.js';

const domException = (name: string) => Object.assign(new Error('from the browser'), { name });

describe('describeCameraProblem', () => {
  it('tells a person who blocked the camera how to allow it, and that a picture will do', () => {
    for (const name of ['NotAllowedError', 'SecurityError']) {
      expect(describeCameraProblem(domException(name))).toBe(
        'The camera is blocked for this page. Allow it (the camera icon in the address bar, or the site settings), then press "Start camera" again; or choose a picture instead.',
      );
    }
  });

  it('tells a machine without a camera, a busy camera and a plain-http page apart', () => {
    expect(describeCameraProblem(domException('NotFoundError'))).toMatch(/^No camera was found\. Connect one/);
    expect(describeCameraProblem(domException('OverconstrainedError'))).toMatch(/^No camera was found\./);
    expect(describeCameraProblem(domException('NotReadableError'))).toMatch(/^The camera is busy or blocked by the system/);
    expect(describeCameraProblem({ name: 'InsecureContext' })).toMatch(/only on https:\/\/ pages and on localhost/);
  });

  it('names an error it has no words for, and still offers a picture', () => {
    expect(describeCameraProblem(domException('TypeError'))).toBe('The camera could not start (TypeError); choose a picture instead.');
  });
});

describe('describeRefusal', () => {
  it('says a face was not recognised without claiming it is not the owner’s, since a lock-out answers the same', () => {
    expect(describeRefusal('FACE_NOT_RECOGNISED')).toBe(
      'Face not recognised. Try another photo in good light, facing the camera. After several failed attempts, wait a minute before trying again.',
    );
  });
});
