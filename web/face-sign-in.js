/* global document, navigator, window, location, fetch, createImageBitmap, localStorage -- a browser page */
// The page: a photo from the webcam (or a file), then sign-up, enrolment and sign-in through
// face-auth-flow.js against the APIs on this page's origin. The enrolment secret lives only in
// this module's memory; tokens and upload URLs are shown or used, never logged.
import { createFaceAuthFlow, loadStackOutputs, newDeviceKey } from './face-auth-flow.js';

const DEVICE_KEY_STORAGE = 'facekit.deviceKey';

const $ = (id) => document.getElementById(id);
const video = $('camera');
const canvas = $('snapshot');

let flow;
/** The photo to send: a JPEG from the camera or the chosen file. */
let photo;
/** Secrets from ConfirmSignUp, by email, until the enrolment that uses them succeeds. */
const enrolSecrets = new Map();
/** Resolves the code form's next submission when a step is waiting for a code. */
let codeWaiter;
/** Resolves with true (try again with the current photo) or false when a refused photo is retaken. */
let retakeWaiter;
/** The photo last refused: sending it again would only use up an attempt. */
let refusedPhoto;

const STEP_WORDS = {
  MAILBOX_PROOF: (parameters) =>
    parameters.method === 'ENROL_SECRET' ? 'Proving the mailbox with the secret from sign-up' : 'Proving the mailbox with a code sent by email',
  ENROL_FACE: () => 'Uploading the photo to enrol your face',
  FACE_MATCH: (parameters) =>
    parameters.enrolRequested ? 'Asking to enrol a face (a code proves the mailbox)' : 'Uploading the photo to compare with your enrolled face',
};

const ERROR_WORDS = {
  UsernameExistsException: 'An account with this email already exists. Use "Sign in".',
  CodeMismatchException: 'That code is not the one we sent. Check the email and try again.',
  ExpiredCodeException: 'That code has expired. Sign up again to get a new one.',
  UserNotFoundException: 'No account has this email. Use "Sign up" first.',
  UserNotConfirmedException: 'This account is not confirmed yet. Enter the code from the email.',
  NotAuthorizedException: 'Sign-in was refused. Wait a little, then try again with a new photo.',
  InvalidParameterException: 'Cognito refused the request.',
  TooManyRequestsException: 'Too many attempts. Wait a minute and try again.',
};

function step(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('steps').append(item);
}

function outcome(text, kind) {
  $('outcome').textContent = text;
  $('outcome').className = kind;
  document.body.dataset.outcome = kind;
}

function setBusy(busy) {
  for (const id of ['sign-in', 'sign-up']) $(id).disabled = busy;
  document.body.dataset.busy = String(busy);
}

function showClaims(claims) {
  $('claims').textContent = JSON.stringify(claims, null, 2);
  $('claims').hidden = false;
}

function describeError(error) {
  const words = ERROR_WORDS[error.name];
  return words ? `${words} (${error.message})` : error.message;
}

function askForCode(label) {
  $('code-label').textContent = label;
  $('code').value = '';
  $('code-form').hidden = false;
  $('code').focus();
  return new Promise((resolve) => {
    codeWaiter = resolve;
  });
}

/** Waits for a new photo after a refusal; undefined when the user cancels. */
function askForRetake(refusal) {
  const why =
    refusal.kind === 'enrolment-rejected' ? refusal.message : 'Face not recognised: this photo does not match the face enrolled for this account.';
  step(refusal.kind === 'enrolment-rejected' ? 'Photo refused' : 'Face not recognised');
  outcome(`${why} Take or choose another photo, then press "Try again with this photo".`, 'retake');
  $('retake').hidden = false;
  refusedPhoto = photo;
  return new Promise((resolve) => {
    retakeWaiter = (again) => {
      $('retake').hidden = true;
      resolve(again ? photo : undefined);
    };
  });
}

function answerRetake(again) {
  if (again && photo === refusedPhoto) {
    $('photo-status').textContent = 'Take or choose a different photo first: this one was just refused.';
    return;
  }
  const waiter = retakeWaiter;
  retakeWaiter = undefined;
  waiter?.(again);
}

function usePhoto(blob, description) {
  photo = blob;
  $('photo-status').textContent = `Photo ready: ${description} (${Math.round(blob.size / 1024)} KB).`;
  document.body.dataset.photo = 'ready';
}

function drawOnCanvas(source, width, height) {
  const context = canvas.getContext('2d');
  context.fillStyle = '#222';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const scale = Math.min(canvas.width / width, canvas.height / height);
  const drawWidth = width * scale;
  const drawHeight = height * scale;
  context.drawImage(source, (canvas.width - drawWidth) / 2, (canvas.height - drawHeight) / 2, drawWidth, drawHeight);
}

async function startCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    $('photo-status').textContent = 'This browser offers no camera here; choose a picture instead.';
    return;
  }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
    $('capture').disabled = false;
    $('start-camera').disabled = true;
  } catch (error) {
    $('photo-status').textContent = `The camera could not start (${error.name}); choose a picture instead.`;
  }
}

function capture() {
  // Full camera resolution for the matcher, not the preview's size.
  const width = video.videoWidth || canvas.width;
  const height = video.videoHeight || canvas.height;
  const full = document.createElement('canvas');
  full.width = width;
  full.height = height;
  full.getContext('2d').drawImage(video, 0, 0, width, height);
  drawOnCanvas(video, width, height);
  full.toBlob((blob) => blob && usePhoto(blob, `camera frame ${width}×${height}`), 'image/jpeg', 0.92);
}

async function chooseFile() {
  const file = $('photo-file').files[0];
  if (!file) return;
  if (!['image/jpeg', 'image/png'].includes(file.type)) {
    $('photo-status').textContent = 'Choose a JPEG or PNG picture.';
    return;
  }
  usePhoto(file, file.name);
  const bitmap = await createImageBitmap(file).catch(() => undefined);
  if (bitmap) drawOnCanvas(bitmap, bitmap.width, bitmap.height);
}

async function authenticate(email, enrol = false) {
  if (!photo) {
    outcome('Take a photo (Capture) or choose a picture first.', 'failure');
    return;
  }
  step(`Starting sign-in for ${email}`);
  const result = await flow.authenticate(email, {
    photo,
    photoContentType: photo.type || 'image/jpeg',
    enrolSecret: enrolSecrets.get(email),
    enrol,
    emailCode: async () => {
      const code = await askForCode('Code from the email (to enrol your face)');
      $('code-form').hidden = true;
      return code;
    },
    onStep: (kind, parameters) => step(STEP_WORDS[kind](parameters)),
    retakePhoto: askForRetake,
  });
  if (result.kind === 'signed-in') {
    enrolSecrets.delete(email);
    const enrolled = result.challenges.includes('ENROL_FACE');
    step(enrolled ? 'Face enrolled' : 'Face recognised');
    outcome(enrolled ? `Enrolled and signed in as ${email}.` : `Signed in as ${email}.`, 'success');
    showClaims(result.claims);
  } else if (result.kind === 'enrolment-rejected') {
    step('Cancelled');
    outcome(`${result.message} Your face is not enrolled yet: "Enrol my face" tries again, after a code sent by email.`, 'failure');
  } else {
    step('Cancelled');
    outcome('Face not recognised. No face enrolled yet, or it no longer matches? "Enrol my face" enrols it after a code sent by email.', 'failure');
  }
}

async function signUp(email) {
  step(`Signing up ${email}`);
  // An unconfirmed sign-up of this email (anyone's) is taken over by confirming a new code.
  const { resent } = await flow.signUpOrResend(email);
  step(resent ? 'Already signed up but not confirmed: a new code was sent by email' : 'Code sent by email');
  const code = await askForCode('Code from the email');
  step('Confirming the email');
  enrolSecrets.set(email, await flow.confirmSignUp(email, code));
  $('code-form').hidden = true;
  step('Email confirmed');
  await authenticate(email);
}

async function onAccountSubmit(event) {
  event.preventDefault();
  const email = $('email').value.trim().toLowerCase();
  const action = event.submitter?.value ?? 'sign-in';
  $('steps').replaceChildren();
  $('claims').hidden = true;
  outcome('', 'working');
  setBusy(true);
  try {
    await (action === 'sign-up' ? signUp(email) : authenticate(email, action === 'enrol'));
  } catch (error) {
    $('code-form').hidden = true;
    $('retake').hidden = true;
    step('Stopped');
    outcome(describeError(error), 'failure');
  } finally {
    setBusy(false);
  }
}

function onCodeSubmit(event) {
  event.preventDefault();
  const waiter = codeWaiter;
  codeWaiter = undefined;
  waiter?.($('code').value.trim());
}

/** This browser's device key, kept so that strangers' failed attempts do not block it. */
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

async function main() {
  $('start-camera').addEventListener('click', startCamera);
  $('capture').addEventListener('click', capture);
  $('photo-file').addEventListener('change', chooseFile);
  $('account-form').addEventListener('submit', onAccountSubmit);
  $('code-form').addEventListener('submit', onCodeSubmit);
  $('retry').addEventListener('click', () => answerRetake(true));
  $('give-up').addEventListener('click', () => answerRetake(false));
  setBusy(true);
  try {
    const { userPoolClientId, region } = await loadStackOutputs(fetch.bind(window));
    flow = createFaceAuthFlow({ fetch: fetch.bind(window), userPoolClientId, deviceKey: rememberedDeviceKey() });
    $('target').textContent = `User pool client ${userPoolClientId} in ${region}, at ${location.origin}.`;
    setBusy(false);
    document.body.dataset.ready = 'true';
  } catch (error) {
    $('target').textContent = `The page cannot reach the embedded cloud: ${error.message}`;
  }
}

main();
