// The photo: a frame from the webcam (Capture, then Retake as often as needed) or a picture file,
// for machines without a camera and for the synthetic faces `facekit face` draws.
import { useEffect, useRef, useState } from 'react';
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

/** True when a frame is one flat colour (a camera that has not delivered a picture yet). */
function isBlank(canvas) {
  const { width, height } = canvas;
  const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  let min = 255;
  let max = 0;
  // Every 7th pixel's green channel is plenty to tell a picture from a flat fill.
  for (let at = 1; at < pixels.length; at += 28) {
    min = Math.min(min, pixels[at]);
    max = Math.max(max, pixels[at]);
  }
  return max - min < 8;
}

/** The largest photo an upload URL takes (the challenge's `maxBytes`, docs/handlers.md). */
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

/** @param {{ onPhoto: (photo: Blob, description: string) => void, onProblem: (text: string) => void }} props */
export function PhotoPicker({ onPhoto, onProblem }) {
  const video = useRef(null);
  const snapshot = useRef(null);
  const [cameraOn, setCameraOn] = useState(false);
  const [captured, setCaptured] = useState(false);

  useEffect(() => {
    const element = video.current;
    return () => element?.srcObject?.getTracks().forEach((track) => track.stop());
  }, []);

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
    if (isBlank(full)) {
      document.body.dataset.photo = 'blank';
      onProblem('The camera has not shown a picture yet. Wait a moment, then press Capture again.');
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
      onProblem('Choose a JPEG or PNG picture.');
      return;
    }
    const fits = file.size <= MAX_PHOTO_BYTES;
    if (fits) onPhoto(file, file.name);
    const bitmap = await createImageBitmap(file).catch(() => undefined);
    if (!fits) {
      // Sent as it is, the upload would be refused as too large (or a sign-in fail for no shown reason).
      const scaled = bitmap && (await scaledDown(bitmap));
      if (!scaled?.blob) {
        onProblem('The picture could not be read. Choose another JPEG or PNG picture.');
        return;
      }
      onPhoto(scaled.blob, `${file.name}, scaled to ${scaled.width}×${scaled.height}`);
    }
    if (bitmap) drawFitted(snapshot.current, bitmap, bitmap.width, bitmap.height);
  }

  return (
    <>
      <div className="camera">
        <video id="camera" ref={video} autoPlay playsInline muted width="320" height="240" aria-label="camera preview" />
        <canvas id="snapshot" ref={snapshot} width="320" height="240" aria-label="the photo that will be sent" />
      </div>
      <p>
        <button type="button" id="start-camera" onClick={startCamera} disabled={cameraOn}>Start camera</button>
        <button type="button" id="capture" onClick={capture} disabled={!cameraOn}>{captured ? 'Retake' : 'Capture'}</button>
        <label>
          or choose a picture <input type="file" id="photo-file" accept="image/jpeg,image/png" onChange={chooseFile} />
        </label>
      </p>
    </>
  );
}
