import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Bundled ESM still meets CommonJS-only dependencies that call `require`; this gives them one. */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

export interface HandlerFunctionProps {
  /** File name in `handlers/` without extension, e.g. `define-auth-challenge`. */
  readonly entryName: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Only the variables of the ARCHITECTURE.md contract this handler reads (plus target settings). */
  readonly environment: Record<string, string>;
  /** An explicit physical name; CloudFormation generates one when absent. */
  readonly functionName?: string;
}

/**
 * One handler from `handlers/` as a Lambda function with its own role and its own log group.
 * The role starts with permission to write to that log group only (not the managed
 * AWSLambdaBasicExecutionRole, whose log permissions cover every log group in the account);
 * the stack adds the statements each handler needs through `fn.addToRolePolicy`.
 */
export class HandlerFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entryName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${repoRoot}handlers/${props.entryName}.ts`,
      handler: 'handler',
      functionName: props.functionName,
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: false,
        // Ship the SDK versions the handlers were tested with rather than whatever the runtime has.
        bundleAwsSDK: true,
      },
    });
  }
}
