// What `facekit face --kind` can draw (sim/faces/generate-face.ts draws them). Apart from the
// drawing code, so that the command line can list the kinds without loading sharp.
export type FixtureKind = 'face' | 'no-face' | 'two-faces' | 'three-faces' | 'too-small' | 'blank' | 'corrupt';
export const FIXTURE_KINDS: readonly FixtureKind[] = ['face', 'no-face', 'two-faces', 'three-faces', 'too-small', 'blank', 'corrupt'];
