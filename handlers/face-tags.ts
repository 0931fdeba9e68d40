// The ExternalImageId of a face in the collection: `<sub>:<photo id>`, the user it was indexed for
// and the enrolment photo `enrol/<sub>/<photo id>` it came from. Faces indexed by older versions
// carry the sub alone; either way the owner is what comes before the first ':' (a sub has none).
// Apart from the handlers, so tests and benches that read the collection can import it.

/**
 * The ExternalImageId of the faces indexed from the enrolment photo `key`. A retry of an indexing
 * that died after IndexFaces finds exactly the faces of that photo by it, and never those of
 * another photo of the same user that a running indexer has yet to hold (docs/handlers.md,
 * "face-indexer").
 */
export function faceTagOf(key: string): string {
  const [, sub, photoId] = key.split('/');
  return `${sub}:${photoId}`;
}

/** The sub a face was indexed for, from its ExternalImageId (`<sub>:<photo id>`, or the sub alone). */
export function ownerOfFace(externalImageId: string): string {
  return externalImageId.split(':')[0];
}

/** The enrolment photo key a face was indexed from (`enrol/<sub>/<photo id>`), or undefined for a face tagged with the sub alone. */
export function photoKeyOfFace(externalImageId: string): string | undefined {
  const [sub, photoId] = externalImageId.split(':');
  return photoId ? `enrol/${sub}/${photoId}` : undefined;
}
