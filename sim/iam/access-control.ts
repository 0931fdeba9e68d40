// Each function of the stack signs its AWS calls with credentials of its own, as a Lambda function
// signs with its execution role's session, and every service checks the call against the role's
// policies from the template. A grant missing from the stack fails here as it would on AWS, with
// AWS's AccessDeniedException, instead of first failing after `cdk deploy`. The kit's own
// credentials (test/test, or FACEKIT_ACCESS_KEY_ID) stand for an administrator and are not checked.
import { createHash, createHmac } from 'node:crypto';
import type { PlannedRole } from '../cloud-assembly/stack-plan.js';
import { compileStatement, evaluate, type AuthorizationRequest, type CompiledStatement, type PolicyStatement } from './policy-evaluation.js';

export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * As a Lambda function's credentials are a role session's, they come with a session token: the
   * SDK sends it, and a sim next to LocalStack (services mode) trusts a temporary key it cannot
   * look up only with one. The kit does not check its value.
   */
  sessionToken: string;
}

/** The statements of the AWS managed policies a function role of a CDK stack commonly carries. */
const MANAGED_POLICY_STATEMENTS: Record<string, PolicyStatement[]> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
};

/** A refused call: who, what, on which resource, in IAM's words. */
export class AccessDenied extends Error {
  constructor(
    readonly principalArn: string,
    readonly action: string,
    readonly resource: string,
    readonly explicit: boolean,
  ) {
    super(
      `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because ${
        explicit ? 'an explicit deny in an identity-based policy' : 'no identity-based policy allows the ' + action + ' action'
      }`,
    );
    this.name = 'AccessDenied';
  }
}

interface Principal {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<function>`, what AWS names the caller. */
  arn: string;
  /** `<role id>:<function>`, GetCallerIdentity's UserId for a role session. */
  userId: string;
  statements: CompiledStatement[];
}

/** An id in the shape of AWS's (a prefix such as `ASIA` or `AROA`, then base-32 characters), from bytes. */
function awsStyleId(prefix: string, bytes: Buffer, length: number): string {
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(bytes.subarray(0, length), (byte) => base32[byte % 32]).join('');
}

export class AccessControl {
  private readonly principals = new Map<string, Principal>();
  /** Functions whose calls are not checked, with why (a managed policy whose statements are unknown). */
  readonly unchecked: Array<{ functionName: string; reason: string }> = [];

  /**
   * @param rootSecret the kit's own secret key: function credentials derive from it, so they stay
   *   the same across restarts (a presigned URL a function signed before a restart still holds)
   *   and nobody without it can compute them.
   */
  constructor(private readonly options: { accountId: string; rootSecret: string }) {}

  /**
   * Credentials for a function with this role, registered so that its calls are checked against
   * the role's statements. Undefined for a function without a role from the template (its calls
   * are signed with the kit's own key, as before).
   */
  credentialsFor(functionName: string, role: PlannedRole | undefined): FunctionCredentials | undefined {
    if (!role) return undefined;
    const derive = (purpose: string) => createHmac('sha256', this.options.rootSecret).update(`${purpose}\0${functionName}`).digest();
    const keyBytes = derive('access-key-id');
    // ASIA: the prefix of temporary credentials, which a Lambda function's are.
    const accessKeyId = awsStyleId('ASIA', keyBytes, 16);
    const secretAccessKey = derive('secret-access-key').toString('base64').slice(0, 40);
    const sessionToken = `FwoGZXIvYXdzE${derive('session-token').toString('base64')}`;
    const unknownManaged = role.managedPolicyArns.filter((arn) => !Object.hasOwn(MANAGED_POLICY_STATEMENTS, arn));
    if (unknownManaged.length > 0) {
      this.unchecked.push({ functionName, reason: `its role has managed policies whose statements the template does not hold (${unknownManaged.join(', ')})` });
      return { accessKeyId, secretAccessKey, sessionToken };
    }
    const statements = [...role.statements, ...role.managedPolicyArns.flatMap((arn) => MANAGED_POLICY_STATEMENTS[arn]!)];
    this.principals.set(accessKeyId, {
      arn: `arn:aws:sts::${this.options.accountId}:assumed-role/${role.name}/${functionName}`,
      userId: `${awsStyleId('AROA', createHash('sha256').update(role.name).digest(), 17)}:${functionName}`,
      statements: statements.map(compileStatement),
    });
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  /** Whether calls signed with this key are checked (a function's key). */
  checks(accessKeyId: string): boolean {
    return this.principals.has(accessKeyId);
  }

  /** The caller as STS's GetCallerIdentity names it (ARN and UserId), for a function's key. */
  callerOf(accessKeyId: string): { arn: string; userId: string } | undefined {
    const principal = this.principals.get(accessKeyId);
    return principal && { arn: principal.arn, userId: principal.userId };
  }

  /** The first of `requests` the caller may not make, as an AccessDenied; undefined when all are allowed. */
  check(accessKeyId: string, requests: readonly AuthorizationRequest[]): AccessDenied | undefined {
    const principal = this.principals.get(accessKeyId);
    if (!principal) return undefined;
    for (const request of requests) {
      const decision = evaluate(principal.statements, request);
      if (decision !== 'allow') return new AccessDenied(principal.arn, request.action, request.resource, decision === 'explicit-deny');
    }
    return undefined;
  }
}
