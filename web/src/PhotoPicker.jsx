// The photo: a frame from the webcam (Capture, then Retake as often as needed) or a picture file,
// for machines without a camera and for the synthetic faces `facekit face` draws.
import { useEffect, useImperativeHandle, useRef, useState } from 'react';
import { describeCameraProblem } from './refusals.js';

/**
 * Resolves once the video has put a picture on screen. `videoWidth` is known as soon as the stream's
 * metadata is, before any frame is decoded; a capture then gives a black frame (a real webcam also
 * starts dark while its exposure settles).
 */
function firstFramePainted(video) {
  const painted = new Promise((resolve) => {
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
    else if (video.readyState >= 2) resolve();
    else video.addEventListener('loadeddata', () => resolve(), { once: true });
  });
  // A hidden tab paints no frames; the blank-frame check in capture() covers what this lets through.
  return Promise.race([painted, new Promise((resolve) => setTimeout(resolve, 3000))]);
}

/** A frame this dark (its brightest sampled pixel, 0-255) shows nothing a face check could use. */
const DARK_FRAME_BRIGHTEST = 40;

/**
 * What is wrong with a captured frame, or undefined for a picture: `not-shown` when nothing was
 * drawn (transparent: the camera delivered no frame yet) or the frame is one flat colour (a
 * camera starting up); `dark` when frames arrive but are black or nearly (a covered lens).
 */
function frameProblem(canvas) {
  const { width, height } = canvas;
  const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  let min = 255;
  let max = 0;
  let drawn = false;
  // Every 7th pixel's green channel is plenty to tell a picture from a flat or dark fill.
  for (let at = 1; at < pixels.length; at += 28) {
    min = Math.min(min, pixels[at]);
    max = Math.max(max, pixels[at]);
    drawn ||= pixels[at + 2] > 0;
  }
  if (!drawn) return 'not-shown';
  if (max < DARK_FRAME_BRIGHTEST) return 'dark';
  return max - min < 8 ? 'not-shown' : undefined;
}

const unreadable = (file) => `The picture could not be read (${file.name}). Choose another JPEG or PNG picture.`;

const FRAME_PROBLEM_WORDS = {
  'not-shown': 'The camera has not shown a picture yet. Wait a moment, then press Capture again.',
  dark: 'The camera shows only a dark picture: is the lens covered, or the room dark? Uncover it or turn on a light, then press Capture again.',
};

/** The largest photo an upload form takes (the challenge's `maxBytes`, docs/handlers.md). */
const MAX_PHOTO_BYTES = 5_242_880;
/** A picture over that limit is sent scaled to this longest side: ample for the face matcher. */
const SCALED_LONGEST_SIDE = 2048;

/** A picture file as a JPEG small enough to upload (a phone's full-resolution photo may not be). */
async function scaledDown(bitmap) {
  const scale = Math.min(1, SCALED_LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  return { blob, width: canvas.width, height: canvas.height };
}

function drawFitted(canvas, source, width, height) {
  const context = canvas.getContext('2d');
  context.fillStyle = '#222';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const scale = Math.min(canvas.width / width, canvas.height / height);
  context.drawImage(source, (canvas.width - width * scale) / 2, (canvas.height - height * scale) / 2, width * scale, height * scale);
}

/**
 * @param {{ ref?: import('react').Ref<{ forget: (options: { stopCamera: boolean }) => void }>,
 *   onPhoto: (photo: Blob, description: string) => void,
 *   onPhotoRefused: (text: string, state: 'blank' | 'dark' | 'refused') => void,
 *   onProblem: (text: string) => void }} props
 *   onPhotoRefused: a capture or a file that cannot be the photo; the one before it is gone too
 *   (its snapshot cleared), so it cannot be sent by mistake. onProblem: a camera that did not start.
 *   `ref.forget()` clears the snapshot (and stops the camera) when the page forgets the photo.
 */
export function PhotoPicker({ ref, onPhoto, onPhotoRefused, onProblem }) {
  const video = useRef(null);
  const snapshot = useRef(null);
  const fileInput = useRef(null);
  const captureButton = useRef(null);
  const [cameraOn, setCameraOn] = useState(false);
  const [captured, setCaptured] = useState(false);

  useEffect(() => {
    const element = video.current;
    return () => element?.srcObject?.getTracks().forEach((track) => track.stop());
  }, []);

  // Keyboard users land on the button they need next, not on <body> (Start camera is now disabled).
  useEffect(() => {
    if (cameraOn) captureButton.current?.focus();
  }, [cameraOn]);

  function clearSnapshot() {
    const canvas = snapshot.current;
    canvas?.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    // The same file chosen again must fire `change`.
    if (fileInput.current) fileInput.current.value = '';
  }

  function stopCamera() {
    video.current?.srcObject?.getTracks().forEach((track) => track.stop());
    if (video.current) video.current.srcObject = null;
    setCameraOn(false);
    setCaptured(false);
  }

  useImperativeHandle(ref, () => ({
    forget({ stopCamera: andStopCamera }) {
      clearSnapshot();
      // Nothing is left to retake: the button said "Retake" with no photo.
      setCaptured(false);
      if (andStopCamera) stopCamera();
    },
  }));

  function refuse(text, state) {
    clearSnapshot();
    onPhotoRefused(text, state);
  }

  async function startCamera() {
    if (!navigator.mediaDevices?.getUserMedia) {
      // Browsers hide the camera API on plain http:// pages other than localhost.
      onProblem(describeCameraProblem({ name: window.isSecureContext ? 'NoCameraApi' : 'InsecureContext' }));
      return;
    }
    try {
      video.current.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
      await firstFramePainted(video.current);
      setCameraOn(true);
    } catch (error) {
      onProblem(describeCameraProblem(error));
    }
  }

  function capture() {
    // The camera's full resolution for the face matcher, not the preview's size.
    const source = video.current;
    const width = source.videoWidth || 640;
    const height = source.videoHeight || 480;
    const full = document.createElement('canvas');
    full.width = width;
    full.height = height;
    full.getContext('2d').drawImage(source, 0, 0, width, height);
    const problem = frameProblem(full);
    if (problem) {
      refuse(FRAME_PROBLEM_WORDS[problem], problem === 'dark' ? 'dark' : 'blank');
      return;
    }
    drawFitted(snapshot.current, source, width, height);
    setCaptured(true);
    full.toBlob((blob) => blob && onPhoto(blob, `camera frame ${width}×${height}`), 'image/jpeg', 0.92);
  }

  async function chooseFile(event) {
    const file = event.target.files?.[0];
    if (!file) return;
    if (!['image/jpeg', 'image/png'].includes(file.type)) {
      refuse(`Choose a JPEG or PNG picture (${file.name} is not one).`, 'refused');
      return;
    }
    // Decoded now, so that a file that is no picture (whatever its name) is refused here, not
    // blamed on the face after an upload.
    const bitmap = await createImageBitmap(file).catch(() => undefined);
    if (!bitmap) {
      refuse(unreadable(file), 'refused');
      return;
    }
    if (file.size <= MAX_PHOTO_BYTES) {
      onPhoto(file, file.name);
    } else {
      // Sent as it is, the upload would be refused as too large (or a sign-in fail for no shown reason).
      const scaled = await scaledDown(bitmap);
      if (!scaled.blob) {
        refuse(unreadable(file), 'refused');
        return;
      }
      onPhoto(scaled.blob, `${file.name}, scaled to ${scaled.width}×${scaled.height}`);
    }
    drawFitted(snapshot.current, bitmap, bitmap.width, bitmap.height);
  }

  return (
    <>
      <div className="camera">
        <video id="camera" ref={video} autoPlay playsInline muted width="320" height="240" aria-label="camera preview" />
        <canvas id="snapshot" ref={snapshot} width="320" height="240" aria-label="the photo that will be sent" />
      </div>
      <p>
        <button type="button" id="start-camera" onClick={startCamera} disabled={cameraOn}>Start camera</button>
        <button type="button" id="capture" ref={captureButton} onClick={capture} disabled={!cameraOn}>{captured ? 'Retake' : 'Capture'}</button>
        <label>
          or choose a picture <input type="file" id="photo-file" ref={fileInput} accept="image/jpeg,image/png" onChange={chooseFile} />
        </label>
      </p>
    </>
  );
}
