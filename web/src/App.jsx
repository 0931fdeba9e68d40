// The page: a photo, then sign-up, enrolment and sign-in with Amplify against the kit or AWS
// (src/stack-config.js), and a signed-in view with the ID token's claims. The enrolment secret
// lives only in memory; tokens and upload forms are shown or used, never logged.
// Tests drive it by element ids and `data-*` state on <body> (docs/web.md).
import { Amplify } from 'aws-amplify';
import { useEffect, useRef, useState } from 'react';
import { askAppBackend, confirmEmail, currentClaims, newDeviceKey, sendNewSignUpCode, signInWithFace, signOutEverywhere, signUpOrResend } from './face-sign-in-flow.js';
import { PhotoPicker } from './PhotoPicker.jsx';
import { describeError, needsAnotherPhoto, REFUSAL_MESSAGES } from './refusals.js';
import { amplifyConfig, loadStackConfig } from './stack-config.js';

const STEP_WORDS = {
  MAILBOX_PROOF: ({ method }) => (method === 'ENROL_SECRET' ? 'Proving the mailbox with the secret from sign-up' : 'Proving the mailbox with a code sent by email'),
  ENROL_FACE: () => 'Uploading the photo to enrol your face',
  FACE_MATCH: ({ enrolRequested }) =>
    enrolRequested ? 'Asking to enrol a face (the mailbox is proven first)' : 'Uploading the photo to compare with your enrolled face',
};

const DEVICE_KEY_STORAGE = 'facekit.deviceKey';

/** What the photo status says once a photo was used: a photo serves one attempt (docs/web.md). */
const PHOTO_USED_WORDS = 'No photo: each photo is used for one attempt only. Take or choose a new one for the next.';
const NO_PHOTO_WORDS = 'Take a photo (Capture) or choose a picture first.';

/** Outcomes that end what the user started: they get the focus, and are scrolled into view. */
const SETTLED_OUTCOMES = new Set(['success', 'failure', 'retake', 'signed-out', 'interrupted']);

/**
 * `error` with the words that say how to go on from where it struck (the account's state then),
 * shown after its own: the same network error means one thing before the confirmation, another after.
 */
function withWayOn(error, words) {
  return error instanceof Error ? Object.assign(error, { wayOn: words }) : error;
}

/** Thrown when the user cancels while the page waits for a code: the flow ends without an error. */
class CancelledByUser extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledByUser';
  }
}

/**
 * What this tab was doing (`{ action, email }`), kept in sessionStorage (per tab, kept across a
 * reload, the back button and forward again) until it ends. Found on load, it was cut short, and
 * the page says how to go on: the enrolment secret lived in memory only, so an enrolment cut
 * short after the email was confirmed needs "Enrol my face" and a code by email.
 */
const INTERRUPTED_STORAGE = 'facekit.inProgress';

function rememberInProgress(action, email) {
  try {
    if (action) sessionStorage.setItem(INTERRUPTED_STORAGE, JSON.stringify({ action, email }));
    else sessionStorage.removeItem(INTERRUPTED_STORAGE);
  } catch {
    // storage disabled: a reload then starts afresh without a word, as before
  }
}

/** What was cut short by a reload or by leaving the page, and the way on; undefined if nothing. */
function interruptedWork() {
  let pending;
  try {
    pending = JSON.parse(sessionStorage.getItem(INTERRUPTED_STORAGE) ?? 'null');
    sessionStorage.removeItem(INTERRUPTED_STORAGE);
  } catch {
    return undefined;
  }
  if (!pending?.email) return undefined;
  const words = {
    'sign-up': `The sign-up of ${pending.email} was cut short (the page was reloaded or left). Press "Sign up" again for a new code by email.`,
    // Also for an account that has a face already (a re-enrolment): the face being enrolled is not.
    enrol: `The enrolment of ${pending.email} was cut short (the page was reloaded or left): the face it was enrolling is not enrolled. Press "Enrol my face" to enrol it, with a code sent by email.`,
    'sign-in': `The sign-in of ${pending.email} was cut short (the page was reloaded or left). Press "Sign in" to start again.`,
  }[pending.action];
  return words && { email: pending.email, words };
}

const emailOf = (claims) => String(claims.email ?? claims['cognito:username'] ?? '');

/** This browser's device key, kept so that strangers' failed attempts do not block it (docs/handlers.md). */
function rememberedDeviceKey() {
  try {
    const stored = localStorage.getItem(DEVICE_KEY_STORAGE);
    if (stored) return stored;
    const key = newDeviceKey();
    localStorage.setItem(DEVICE_KEY_STORAGE, key);
    return key;
  } catch {
    return newDeviceKey(); // storage disabled: a key for this page only
  }
}

export function App() {
  const [target, setTarget] = useState('Reading the stack outputs…');
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(true);
  /** The email of a flow a reload cut short, put back in the form. */
  const [interruptedEmail, setInterruptedEmail] = useState();
  const [photoStatus, setPhotoStatus] = useState('No photo yet.');
  const [steps, setSteps] = useState([]);
  const [outcome, setOutcome] = useState({ text: '', kind: '' });
  /** The code form while the page waits for an emailed code: `{ label, email? }` (email: the sign-up's, which can be sent again). */
  const [codeRequest, setCodeRequest] = useState();
  const [retaking, setRetaking] = useState(false);
  const [claims, setClaims] = useState();
  /** The kit's example app backend (GET /_sim/example/me), when the page targets the kit. */
  const [backendUrl, setBackendUrl] = useState();
  const [backendAnswer, setBackendAnswer] = useState();
  const photo = useRef();
  const photoPicker = useRef();
  const outcomeElement = useRef();
  const codeInput = useRef();
  /** Counts the code form's questions: a new one clears the field (it is the input's key). */
  const codeQuestions = useRef(0);
  const refusedPhoto = useRef();
  const waiters = useRef({});
  const resendingCode = useRef(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const config = await loadStackConfig();
        Amplify.configure(amplifyConfig(config));
        const signedIn = await currentClaims().catch(() => undefined);
        if (cancelled) return;
        setTarget(`User pool client ${config.userPoolClientId} in ${config.region}, on ${config.target}.`);
        if (signedIn) setClaims(signedIn);
        if (config.userPoolEndpoint) setBackendUrl(`${config.userPoolEndpoint}/_sim/example/me`);
        const interrupted = signedIn ? (rememberInProgress(undefined), undefined) : interruptedWork();
        if (interrupted) {
          setInterruptedEmail(interrupted.email);
          finish(interrupted.words, 'interrupted');
        }
        setReady(true);
        setBusy(false);
      } catch (error) {
        if (!cancelled) setTarget(`The page cannot find its user pool: ${error.message}`);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  // Amplify keeps its tokens in localStorage, which every tab of this origin shares: another tab
  // signing in or out changes them (a `storage` event here). Followed, so that this tab neither
  // shows a session that ended nor offers a sign-in Amplify would refuse as already signed in.
  // One sign-in writes several keys, each a `storage` event whose reading of the session ends in
  // its own time: only the newest reading is shown, or an older one read half-way through another
  // tab's sign-in could be shown last (an audit saw the first account shown while the tokens
  // were the second's, two tabs signing in two accounts at once).
  const shownClaims = useRef();
  shownClaims.current = claims;
  const newestStorageReading = useRef(0);
  useEffect(() => {
    const onStorage = async (event) => {
      if (event.key !== null && !event.key.startsWith('CognitoIdentityServiceProvider.')) return;
      const reading = ++newestStorageReading.current;
      const signedIn = await currentClaims().catch(() => undefined);
      if (reading !== newestStorageReading.current) return;
      if (Boolean(signedIn) === Boolean(shownClaims.current) && signedIn?.sub === shownClaims.current?.sub) return;
      setClaims(signedIn);
      setBackendAnswer(undefined);
      if (signedIn) {
        finish(`Signed in as ${emailOf(signedIn)} in another tab.`, 'success');
      } else {
        forgetPhoto({ stopCamera: true, words: 'No photo yet.' });
        finish('Signed out in another tab.', 'signed-out');
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  // While a sign-up or sign-in runs, leaving or reloading asks first (the browser's own "Leave
  // site?"), since the work in progress is lost; the page says what was cut short if it happens.
  useEffect(() => {
    if (!busy || !ready) return undefined;
    const warn = (event) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [busy, ready]);

  // State tests (and screen readers, through the live region) can wait for.
  useEffect(() => {
    Object.assign(document.body.dataset, { ready: String(ready), busy: String(busy), outcome: outcome.kind, signedIn: String(Boolean(claims)) });
  }, [ready, busy, outcome, claims]);

  // A result the user waits for gets the focus (keyboard and screen reader users land on it, not
  // on <body> when the button they pressed disappears) and is scrolled into view (on a phone it is
  // below the fold).
  useEffect(() => {
    if (!SETTLED_OUTCOMES.has(outcome.kind) || !outcome.text) return;
    outcomeElement.current?.focus({ preventScroll: true });
    outcomeElement.current?.scrollIntoView({ block: 'center' });
  }, [outcome]);

  useEffect(() => {
    if (codeRequest) codeInput.current?.focus();
  }, [codeRequest]);

  const step = (text) => setSteps((previous) => [...previous, text]);
  const finish = (text, kind) => setOutcome({ text, kind });

  function acceptPhoto(blob, description) {
    photo.current = blob;
    setPhotoStatus(`Photo ready: ${description} (${Math.round(blob.size / 1024)} KB).`);
    document.body.dataset.photo = 'ready';
  }

  /** A capture or file that cannot be the photo: the one before it goes too, so it is not sent by mistake. */
  function refusePhoto(text, state) {
    photo.current = undefined;
    setPhotoStatus(text);
    document.body.dataset.photo = state;
  }

  /**
   * Forgets the photo, so that it serves one attempt only and the next person at this screen
   * cannot sign in with it; `stopCamera` once nobody needs the camera any more (signed in or out).
   */
  function forgetPhoto({ stopCamera, words = PHOTO_USED_WORDS }) {
    photo.current = undefined;
    refusedPhoto.current = undefined;
    delete document.body.dataset.photo;
    setPhotoStatus(words);
    photoPicker.current?.forget({ stopCamera });
  }

  /** Shows the code form; resolves with the code typed, or rejects with CancelledByUser. */
  function askForCode(label, email) {
    setCodeRequest({ label, email, question: ++codeQuestions.current });
    return new Promise((resolve, reject) => {
      waiters.current.code = { resolve, reject };
    });
  }

  function closeCodeForm() {
    setCodeRequest(undefined);
    waiters.current.code = undefined;
  }

  /** Waits for a new photo after a refusal; undefined when the user cancels. */
  function askForRetake(refusal) {
    step({ 'enrolment-rejected': 'Photo refused', 'upload-failed': 'Photo not sent' }[refusal.kind] ?? 'Face not recognised');
    const anotherPhoto = needsAnotherPhoto(refusal);
    finish(
      anotherPhoto
        ? `${refusal.message} Take or choose another photo, then press "Try again with this photo".`
        : `${refusal.message} Press "Try again with this photo" to send it again, or take another first.`,
      'retake',
    );
    // The same photo is refused again only when the photo was at fault.
    refusedPhoto.current = anotherPhoto ? photo.current : undefined;
    setRetaking(true);
    return new Promise((resolve) => {
      waiters.current.retake = resolve;
    });
  }

  function answerRetake(again) {
    // A choice refused since (a file that is no picture) took the photo with it: that is no cancel.
    if (again && !photo.current) {
      setPhotoStatus(`${NO_PHOTO_WORDS} Then press "Try again with this photo".`);
      return;
    }
    if (again && photo.current === refusedPhoto.current) {
      setPhotoStatus('Take or choose a different photo first: this one was just refused.');
      return;
    }
    setRetaking(false);
    finish('', 'working');
    const resolve = waiters.current.retake;
    waiters.current.retake = undefined;
    resolve?.(again ? photo.current : undefined);
  }

  /**
   * Signs in (or enrols) with the photo; true once signed in. `enrolSecret`: the secret of the
   * confirmation just made, for the enrolment that follows it and for nothing else. Kept for the
   * email after an attempt failed, it turned the next person's "Sign in" at this screen into an
   * enrolment of their face on that account (an audit, 2026-12-03).
   */
  async function authenticate(email, enrol = false, enrolSecret = undefined) {
    step(enrol ? `Starting enrolment for ${email}` : `Starting sign-in for ${email}`);
    const result = await signInWithFace(email, {
      photo: photo.current,
      deviceKey: rememberedDeviceKey(),
      enrol,
      enrolSecret,
      emailCode: async ({ previousCodeWrong }) => {
        if (previousCodeWrong) step('Wrong code: a new one was sent by email');
        // The address the code went to, in view: a mistyped email gets no code at all (and the kit
        // does not say so, which would tell who has an account), and an audit waited for one.
        const sentTo = `Sent to ${email}; none came? Check the address.`;
        const label = previousCodeWrong
          ? `${REFUSAL_MESSAGES.CODE_WRONG_NEW_SENT} (To enrol your face. ${sentTo})`
          : `Code from the email, to enrol your face. ${sentTo}`;
        try {
          return await askForCode(label);
        } catch (error) {
          if (error instanceof CancelledByUser) return undefined;
          throw error;
        } finally {
          closeCodeForm();
        }
      },
      onStep: (kind, parameters) => step(STEP_WORDS[kind](parameters)),
      retakePhoto: askForRetake,
    });
    if (result.kind === 'signed-in') {
      const enrolled = result.challenges.includes('ENROL_FACE');
      step(enrolled ? 'Face enrolled' : 'Face recognised');
      // The session every tab now shares: another tab's sign-in finished after this one's
      // replaces it (Amplify keeps one current user per browser), and the page says so.
      const reading = ++newestStorageReading.current;
      const current = await currentClaims();
      const words = enrolled ? `Enrolled and signed in as ${email}.` : `Signed in as ${email}.`;
      // A storage event read after this one: it has shown the newer session, not to be undone here.
      if (reading !== newestStorageReading.current) {
        finish(`${words} Another tab signed in or out meanwhile: this page shows what this browser now uses.`, 'success');
        return true;
      }
      setClaims(current);
      const replaced = !current || emailOf(current).toLowerCase() !== email.trim().toLowerCase();
      const now = current ? `Another tab then signed in as ${emailOf(current)}, which this browser now uses: this page shows that account.` : 'Another tab then signed out.';
      finish(replaced ? `${words} ${now}` : words, 'success');
      return true;
    }
    if (result.kind === 'email-not-confirmed') {
      // Finishing the sign-up is what the user needs: a new code, then the enrolment it leads to.
      step('The email is not confirmed yet');
      await sendNewSignUpCode(email);
      rememberInProgress('sign-up', email);
      step('A new sign-up code was sent by email');
      return confirmAndEnrol(email, `${result.message} A new code was sent by email: type it here.`);
    }
    step('Cancelled');
    if (result.kind === 'enrolment-rejected') {
      finish(`${result.message} Your face is not enrolled yet: "Enrol my face" tries again, after a code sent by email.`, 'failure');
    } else if (result.kind === 'code-refused') {
      finish(result.message, 'failure');
    } else if (result.kind === 'cancelled') {
      finish('Enrolment cancelled: your face is not enrolled. "Enrol my face" starts again, with a new code sent by email.', 'failure');
    } else {
      finish(
        'Face not recognised. Press "Sign in" to try again with a new photo, in good light, facing the camera. ' +
          'No face enrolled yet, or your face changed? "Enrol my face" enrols it after a code sent by email.',
        'failure',
      );
    }
    return false;
  }

  async function signUpAndEnrol(email) {
    step(`Signing up ${email}`);
    // An unconfirmed sign-up of this email (anyone's) is taken over by confirming a new code.
    const { resent } = await signUpOrResend(email);
    step(resent ? 'Already signed up but not confirmed: a new code was sent by email' : 'Code sent by email');
    return confirmAndEnrol(email, 'Code from the email');
  }

  /** Asks for the sign-up code until Cognito takes one (a mistyped code may be typed again), then enrols. */
  async function confirmAndEnrol(email, firstLabel) {
    let label = firstLabel;
    let enrolSecret;
    try {
      while (!enrolSecret) {
        const code = await askForCode(label, email);
        step('Confirming the email');
        try {
          enrolSecret = await confirmEmail(email, code);
        } catch (error) {
          // Cognito allows a few tries of one code; anything else (an expired code, too many tries,
          // the kit unreachable) ends here, the email still unconfirmed.
          if (error?.name !== 'CodeMismatchException') throw withWayOn(error, `${email} is not confirmed yet: "Sign up" sends a new code by email to finish it.`);
          step('Wrong code');
          label = 'That code is not the one we sent. Check the email and type it again (the newest code, if more than one came).';
        }
      }
    } catch (error) {
      if (!(error instanceof CancelledByUser)) throw error;
      step('Cancelled');
      finish(`Sign-up cancelled: ${email} is not confirmed yet. "Sign up" sends a new code by email when you want to finish it.`, 'failure');
      return false;
    } finally {
      closeCodeForm();
    }
    // Confirmed: cut short from here on, the account exists without a face, and the secret is lost.
    rememberInProgress('enrol', email);
    step('Email confirmed');
    try {
      return await authenticate(email, true, enrolSecret);
    } catch (error) {
      // The secret goes with this attempt: what is left is the emailed code of "Enrol my face".
      throw withWayOn(error, `${email} is confirmed, but no face is enrolled yet: "Enrol my face" enrols it, after a code sent by email.`);
    }
  }

  async function onAccountSubmit(event) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email')).trim().toLowerCase();
    const action = event.nativeEvent.submitter?.value ?? 'sign-in';
    setSteps([]);
    // Before anything is sent: a sign-up would otherwise use up its code before asking for a photo.
    if (!photo.current) {
      finish(`${NO_PHOTO_WORDS} Then press "${{ 'sign-up': 'Sign up', enrol: 'Enrol my face' }[action] ?? 'Sign in'}".`, 'failure');
      return;
    }
    finish('', 'working');
    setBusy(true);
    rememberInProgress(action === 'sign-up' || action === 'enrol' ? action : 'sign-in', email);
    let signedIn = false;
    try {
      signedIn = await (action === 'sign-up' ? signUpAndEnrol(email) : authenticate(email, action === 'enrol'));
    } catch (error) {
      setRetaking(false);
      // Another tab signed in before this one heard of it: show that session rather than
      // Amplify's "There is already a signed in user." with no way on.
      const otherTabSession = error?.name === 'UserAlreadyAuthenticatedException' ? await currentClaims().catch(() => undefined) : undefined;
      if (otherTabSession) {
        signedIn = true;
        setClaims(otherTabSession);
        step('Already signed in');
        finish(`Already signed in as ${emailOf(otherTabSession)}, in another tab. Sign out first to sign in as someone else.`, 'success');
        return;
      }
      step('Stopped');
      finish(error?.wayOn ? `${describeError(error)} ${error.wayOn}` : describeError(error), 'failure');
    } finally {
      rememberInProgress(undefined);
      // A photo serves one attempt, whatever its end: left ready, it would sign the next person
      // at this screen in as whoever took it. The camera stays on for a retake unless signed in.
      forgetPhoto({ stopCamera: signedIn });
      setBusy(false);
    }
  }

  function onCodeSubmit(event) {
    event.preventDefault();
    const waiter = waiters.current.code;
    waiters.current.code = undefined;
    const code = String(new FormData(event.currentTarget).get('code')).trim();
    // Until Cognito answers, the form can take nothing more: a Cancel pressed then did nothing,
    // and the sign-up went on to enrol (an audit on a slow network).
    if (waiter) setCodeRequest((request) => request && { ...request, label: 'Checking the code…', pending: true });
    waiter?.resolve(code);
  }

  function onCodeCancel() {
    const waiter = waiters.current.code;
    waiters.current.code = undefined;
    waiter?.reject(new CancelledByUser());
  }

  async function onResendCode() {
    const email = codeRequest?.email;
    // One new code per press, also for two clicks before the page re-renders: a double click sent
    // two, and the first was dead on arrival.
    if (!email || resendingCode.current) return;
    resendingCode.current = true;
    setCodeRequest({ ...codeRequest, label: 'Sending a new code…', pending: true });
    try {
      await sendNewSignUpCode(email);
      step('A new code was sent by email');
      setCodeRequest({ ...codeRequest, label: 'A new code was sent by email: use the newest one.', question: ++codeQuestions.current });
    } catch (error) {
      setCodeRequest({ ...codeRequest, label: `No new code was sent: ${describeError(error)}` });
    } finally {
      resendingCode.current = false;
    }
  }

  async function onAskBackend() {
    setBackendAnswer(undefined);
    try {
      const { status, body } = await askAppBackend(backendUrl);
      setBackendAnswer(`HTTP ${status}\n${JSON.stringify(body, null, 2)}`);
    } catch (error) {
      setBackendAnswer(describeError(error));
    }
  }

  async function onSignOut() {
    setBusy(true);
    try {
      await signOutEverywhere();
      forgetPhoto({ stopCamera: true, words: 'No photo yet.' });
      setClaims(undefined);
      setBackendAnswer(undefined);
      setSteps([]);
      finish('Signed out.', 'signed-out');
    } catch (error) {
      finish(describeError(error), 'failure');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main>
      <h1>Face sign-in</h1>
      <p id="target" className="muted">{target}</p>

      {/* Signed in, no action takes a photo: the camera and "take a new one" only misled. */}
      <section aria-labelledby="photo-heading" hidden={Boolean(claims)}>
        <h2 id="photo-heading">1. Your photo</h2>
        <PhotoPicker ref={photoPicker} onPhoto={acceptPhoto} onPhotoRefused={refusePhoto} onProblem={setPhotoStatus} />
        <p id="photo-status" className="muted" role="status" aria-live="polite">{photoStatus}</p>
      </section>

      <section aria-labelledby="account-heading">
        <h2 id="account-heading">2. Your account</h2>
        {claims ? (
          <div id="signed-in">
            <p>
              Signed in as <strong id="signed-in-email">{emailOf(claims)}</strong>.
            </p>
            <button type="button" id="sign-out" onClick={onSignOut} disabled={busy}>Sign out</button>
            {backendUrl && (
              <>
                <button type="button" id="ask-backend" onClick={onAskBackend}>Ask the app backend who I am</button>
                <pre id="backend-answer" aria-label="the app backend's answer" hidden={backendAnswer === undefined}>{backendAnswer}</pre>
              </>
            )}
          </div>
        ) : (
          <form id="account-form" onSubmit={onAccountSubmit}>
            <label>Email <input type="email" id="email" name="email" autoComplete="email" required defaultValue={interruptedEmail} key={interruptedEmail} /></label>
            <button type="submit" id="sign-in" name="action" value="sign-in" disabled={busy}>Sign in</button>
            <button type="submit" id="sign-up" name="action" value="sign-up" disabled={busy}>Sign up</button>
            <button type="submit" id="enrol" name="action" value="enrol" disabled={busy} title="First time, or when your face is no longer recognised: a code is sent by email">
              Enrol my face
            </button>
          </form>
        )}
        <form id="code-form" hidden={codeRequest === undefined} onSubmit={onCodeSubmit}>
          <label>
            <span id="code-label" aria-live="polite">{codeRequest?.label}</span>{' '}
            <input type="text" id="code" name="code" ref={codeInput} inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6,8}" required key={codeRequest?.question} />
          </label>
          <button type="submit" id="confirm" disabled={codeRequest?.pending}>Confirm</button>
          {codeRequest?.email && (
            <button type="button" id="resend-code" onClick={onResendCode} disabled={codeRequest?.pending}>Send a new code</button>
          )}
          <button type="button" id="cancel-code" onClick={onCodeCancel} disabled={codeRequest?.pending}>Cancel</button>
        </form>
      </section>

      <section aria-labelledby="progress-heading">
        <h2 id="progress-heading">3. Progress</h2>
        <ol id="steps">
          {steps.map((text, index) => (
            <li key={index}>{text}</li>
          ))}
        </ol>
        <p id="outcome" ref={outcomeElement} tabIndex={-1} role="status" aria-live="polite" className={outcome.kind}>{outcome.text}</p>
        <p id="retake" hidden={!retaking}>
          <button type="button" id="retry" onClick={() => answerRetake(true)}>Try again with this photo</button>
          <button type="button" id="give-up" onClick={() => answerRetake(false)}>Cancel</button>
        </p>
        {claims && (
          <>
            <h3>ID token claims (decoded by Amplify, verified by your server, not here)</h3>
            <pre id="claims">{JSON.stringify(claims, null, 2)}</pre>
          </>
        )}
      </section>
    </main>
  );
}
