// Where the page signs in: the stack outputs (`cdk deploy --outputs-file` format) and, locally,
// the kit's endpoint. The same build runs against the kit and against AWS:
// - Vite dev server (`npm run web`): the kit endpoint the dev server was started with;
// - served by the kit at /_sim/web/: the kit on the page's own origin;
// - anywhere else: ./cdk-outputs.json next to the page; AWS, unless the file is one `npm start`
//   wrote (it names the kit in `FacekitEndpoint`, an output no deploy has).

/** `{ FaceAuthStack: { UserPoolId, ... } }` → the stack's outputs holding a user pool client. */
function faceAuthOutputs(stacks) {
  const outputs = Object.values(stacks ?? {}).find((candidate) => candidate && candidate.UserPoolClientId && candidate.UserPoolId);
  if (!outputs) throw new Error('the stack outputs name no UserPoolId and UserPoolClientId');
  return outputs;
}

async function readJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

/** The kit endpoint this page talks to, or undefined for AWS. */
export function kitEndpointForThisPage(location = window.location) {
  const fromDevServer = import.meta.env.FACEKIT_ENDPOINT;
  if (fromDevServer !== undefined) return fromDevServer || undefined;
  return location.pathname.startsWith('/_sim/web/') ? location.origin : undefined;
}

/**
 * @returns {Promise<{ userPoolId: string, userPoolClientId: string, region: string,
 *   userPoolEndpoint?: string, target: string }>}
 */
export async function loadStackConfig() {
  const kitEndpoint = kitEndpointForThisPage();
  if (kitEndpoint) {
    const outputs = faceAuthOutputs(await readJson(`${kitEndpoint}/_sim/outputs`).catch((error) => {
      throw new Error(`cannot reach the kit at ${kitEndpoint} (is \`npm start\` running?): ${error.message}`);
    }));
    return { userPoolId: outputs.UserPoolId, userPoolClientId: outputs.UserPoolClientId, region: outputs.Region, userPoolEndpoint: kitEndpoint, target: `the kit at ${kitEndpoint}` };
  }
  const outputs = faceAuthOutputs(await readJson(new URL('cdk-outputs.json', window.location.href).href));
  const region = outputs.Region ?? outputs.UserPoolId.split('_')[0];
  const config = { userPoolId: outputs.UserPoolId, userPoolClientId: outputs.UserPoolClientId, region };
  if (outputs.FacekitEndpoint) return { ...config, userPoolEndpoint: outputs.FacekitEndpoint, target: `the kit at ${outputs.FacekitEndpoint}` };
  return { ...config, target: `AWS ${region}` };
}

/** Amplify v6's configuration; `userPoolEndpoint` sends every Cognito call to the kit instead of AWS. */
export function amplifyConfig(config) {
  return {
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
      },
    },
  };
}
