// Container tests, in one file so that vitest runs them one after the other: the image is built
// once (Testcontainers) and compose then finds every layer cached, instead of two builds racing
// on two cores. Skips, with the reason printed, when no Docker engine or compose answers, unless
// FACEKIT_REQUIRE_DOCKER=1 (CI after .ci/docker-engine.sh), where that fails the run instead.
import { describeCompose, findCompose } from './compose.suite.js';
import { describeFaceSignInInContainer } from './face-sign-in.suite.js';
import { describeLocalStack, localStackUnavailable } from './localstack.suite.js';
import { describeSimImage } from './sim-image.suite.js';
import { probeDockerEngine } from './sim-container.js';

const engine = await probeDockerEngine();
const compose = await findCompose();
const engineRequired = process.env.FACEKIT_REQUIRE_DOCKER === '1';
const outcome = engineRequired ? 'FAILING' : 'SKIPPED';
if (!engine.available) console.warn(`[test/containers] ${outcome}: ${engine.reason}`);
if (!compose) console.warn(`[test/containers] compose tests ${outcome}: neither \`docker compose\` nor docker-compose is installed`);

describeSimImage(engine, engineRequired);
describeCompose(compose, engine, engineRequired);
describeFaceSignInInContainer(engine, engineRequired);

const localStackSkipReason = await localStackUnavailable(engine);
if (localStackSkipReason) console.warn(`[test/containers] LocalStack variant SKIPPED: ${localStackSkipReason}`);
describeLocalStack(localStackSkipReason);
