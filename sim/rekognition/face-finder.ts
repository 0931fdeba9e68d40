// Which matcher path reads a picture: the synthetic detector first (cheap, and exact for the
// drawn species), and only when it finds no face, the neural model. A picture of real people
// therefore never pays for the synthetic path's guesses, and a drawn face never depends on the
// model. If the model is off or failed to load, real pictures simply have no face.
import { EVERYTHING, type FaceNeeds, type FoundFace, type LocatedFace } from './matcher/face-matcher.js';
import { NeuralMatcher } from './matcher/neural-matcher.js';
import type { NeuralFaceModel } from './matcher/neural-model.js';
import type { RgbRaster } from './matcher/raster.js';
import { syntheticMatcher } from './matcher/synthetic-matcher.js';

export interface KnownFaces {
  syntheticFaces?: FoundFace[];
}

export class FaceFinder {
  private readonly neuralMatcher: NeuralMatcher;

  constructor(readonly neuralModel: NeuralFaceModel) {
    this.neuralMatcher = new NeuralMatcher(neuralModel);
  }

  /**
   * Every face of the picture, largest first, all from one path; `needs` says what the caller uses.
   * `known.syntheticFaces`: what the synthetic path found in this very picture already (picture-faces.ts).
   */
  findFaces(raster: RgbRaster, needs?: FaceNeeds & { descriptors: true }, known?: KnownFaces): Promise<FoundFace[]>;
  findFaces(raster: RgbRaster, needs: FaceNeeds, known?: KnownFaces): Promise<LocatedFace[]>;
  async findFaces(raster: RgbRaster, needs: FaceNeeds = EVERYTHING, known: KnownFaces = {}): Promise<LocatedFace[]> {
    const synthetic = known.syntheticFaces ?? (await syntheticMatcher.findFaces(raster));
    if (synthetic.length > 0 || !this.neuralModel.enabled || this.neuralModel.status === 'failed') return synthetic;
    try {
      return await this.neuralMatcher.findFaces(raster, needs);
    } catch (error) {
      // A model that failed to load was reported at startup; the picture just has no face.
      if ((this.neuralModel.status as string) === 'failed') return [];
      throw error;
    }
  }
}
