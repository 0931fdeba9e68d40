// The synthetic face "species" shared by the fixture generator (which draws faces) and the
// emulator's matcher (which finds and reads them). Geometry lives in a canonical frame anchored
// on the eyes: origin halfway between the eye centres, x from the viewer's left eye to the right
// eye, y towards the mouth, one unit = the distance between the eyes. Every identity shares the
// face outline; what tells two people apart is the pattern of light and dark skin patches
// (IDENTITY_CELLS) plus their skin tone, eye size and mouth width.

export const FACE_ELLIPSE = { centerY: 0.35, semiAxisX: 1.0, semiAxisY: 1.4 } as const;
export const EYE = { centerX: 0.5, semiAxisX: 0.15, semiAxisY: 0.1 } as const;
export const NOSE = { centerY: 0.5, semiAxisX: 0.08, semiAxisY: 0.16 } as const;
export const MOUTH = { centerY: 0.95, semiAxisY: 0.075 } as const;

/** Side of one identity patch in eye-distance units. */
export const CELL_SIZE = 0.13;
/** Number of patches that carry identity, i.e. bits of the face hash. */
export const HASH_BITS = 128;

export interface IdentityCell {
  /** Centre of the patch in the canonical frame. */
  u: number;
  v: number;
}

function insideEllipse(u: number, v: number, cu: number, cv: number, a: number, b: number): number {
  const du = (u - cu) / a;
  const dv = (v - cv) / b;
  return du * du + dv * dv;
}

/**
 * The patches that carry identity: the grid cells that sit well inside the face outline and
 * clear of eyes, nose and mouth, the HASH_BITS of them farthest from any edge. Computed, not
 * listed, so generator and matcher cannot drift apart.
 */
function layoutIdentityCells(): IdentityCell[] {
  const candidates: { cell: IdentityCell; clearance: number }[] = [];
  const half = CELL_SIZE / 2;
  for (let row = -14; row <= 18; row++) {
    for (let column = -9; column <= 9; column++) {
      const u = column * CELL_SIZE;
      const v = row * CELL_SIZE + 0.02;
      // Clearance: how far the patch corners stay inside the face and outside each feature,
      // measured as a normalised ellipse radius.
      let clearance = Infinity;
      for (const [du, dv] of [[-half, -half], [half, -half], [-half, half], [half, half], [0, 0]]) {
        const cu = u + du;
        const cv = v + dv;
        const face = 1 - insideEllipse(cu, cv, 0, FACE_ELLIPSE.centerY, FACE_ELLIPSE.semiAxisX, FACE_ELLIPSE.semiAxisY);
        const leftEye = insideEllipse(cu, cv, -EYE.centerX, 0, EYE.semiAxisX * 1.7, EYE.semiAxisY * 2.2) - 1;
        const rightEye = insideEllipse(cu, cv, EYE.centerX, 0, EYE.semiAxisX * 1.7, EYE.semiAxisY * 2.2) - 1;
        const nose = insideEllipse(cu, cv, 0, NOSE.centerY, NOSE.semiAxisX * 2, NOSE.semiAxisY * 1.5) - 1;
        const mouth = insideEllipse(cu, cv, 0, MOUTH.centerY, 0.55, MOUTH.semiAxisY * 2.5) - 1;
        clearance = Math.min(clearance, face * 1.4, leftEye, rightEye, nose, mouth);
      }
      if (clearance > 0.05) candidates.push({ cell: { u, v }, clearance });
    }
  }
  if (candidates.length < HASH_BITS) {
    throw new Error(`face species has room for ${candidates.length} identity cells, needs ${HASH_BITS}`);
  }
  // Keep the best-placed cells, then order them top-to-bottom, left-to-right for a stable bit order.
  const kept = candidates
    .map((candidate, index) => ({ ...candidate, index }))
    .sort((left, right) => right.clearance - left.clearance || left.index - right.index)
    .slice(0, HASH_BITS)
    .sort((left, right) => left.index - right.index);
  return kept.map((candidate) => candidate.cell);
}

export const IDENTITY_CELLS: readonly IdentityCell[] = layoutIdentityCells();
