import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rekognition from 'aws-cdk-lib/aws-rekognition';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { HandlerFunction, type HandlerFunctionProps } from './constructs/handler-function.js';
import type { FaceAuthStackProps } from './stack-context.js';

/** Contract values from ARCHITECTURE.md that are not deployment choices. */
const UPLOAD_URL_TTL_SECONDS = 170;
const ENROL_WAIT_MS = 3500;
/** Cognito waits 5 s for a trigger; Verify spends up to ENROL_WAIT_MS of it waiting for the indexer. */
const TRIGGER_TIMEOUT = Duration.seconds(5);
const INDEXER_TIMEOUT = Duration.seconds(30);
/** A daily sweep lists the whole pool and collection: minutes at most, even for a large pool. */
const SWEEP_TIMEOUT = Duration.minutes(15);
/** How long a deleted user's face may stay in the collection at most, give or take the sweep's run. */
export const DELETED_USER_SWEEP_RATE = Duration.days(1);
const UPLOAD_PREFIXES = ['enrol/', 'signin/'] as const;
/** Partition key of the item handlers/decoy-identities.ts keeps its HMAC key in. */
export const DECOY_KEY_ITEM = 'SECRET#decoy-sub-key';

/**
 * The whole kit: a Cognito user pool whose custom-auth triggers run face enrolment and face
 * sign-in, an S3 bucket for the photos, a DynamoDB users table and a Rekognition collection.
 * Environment-agnostic: no lookups, the region comes from `Aws.REGION` at deploy time.
 */
export class FaceAuthStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly uploadBucket: s3.Bucket;
  readonly usersTable: dynamodb.Table;
  readonly faceCollectionId: string;
  readonly handlers: Record<HandlerName, HandlerFunction>;
  /** Not a trigger nor an S3 handler: run by a schedule. */
  readonly deletedUserSweep: HandlerFunction;

  constructor(scope: Construct, id: string, props: FaceAuthStackProps) {
    super(scope, id, props);
    const removal = props.dataRemovalPolicy;

    // --- Storage ---------------------------------------------------------------------------
    this.uploadBucket = new s3.Bucket(this, 'UploadBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: removal,
      // Photos are transient (deleted after use, expired after a day), so emptying the bucket on
      // destroy loses nothing; with `retain` the bucket stays and keeps expiring what is left.
      autoDeleteObjects: removal === RemovalPolicy.DESTROY,
      cors: [
        {
          allowedOrigins: props.webOrigins,
          // Photos arrive as upload forms (presigned POSTs, whose policy caps their size). A form
          // POST is sent without a preflight; S3 answers it with CORS headers only for an origin
          // this rule allows, and without them the page cannot read the answer.
          allowedMethods: [s3.HttpMethods.POST],
          // Headers a client may add to the POST (x-amz-* ones, for instance), preflighted then.
          allowedHeaders: ['content-type', 'x-amz-*'],
          exposedHeaders: ['etag'],
          maxAge: 300,
        },
      ],
      lifecycleRules: UPLOAD_PREFIXES.map((prefix) => ({
        id: `expire-${prefix.replace('/', '')}-photos`,
        prefix,
        expiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      })),
    });

    this.usersTable = new dynamodb.Table(this, 'UsersTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: removal,
    });

    // Collection ids allow [a-zA-Z0-9_.-]; stack names are a subset, lowercased for readability.
    this.faceCollectionId = `${this.stackName.toLowerCase()}-faces`;
    // LocalStack has no Rekognition: there the services-mode sim creates the collection, with
    // this same id, from the CollectionId output.
    const localStack = props.target.kind === 'localstack' ? props.target : undefined;
    let faceCollection: rekognition.CfnCollection | undefined;
    if (!localStack) {
      faceCollection = new rekognition.CfnCollection(this, 'FaceCollection', { collectionId: this.faceCollectionId });
      faceCollection.applyRemovalPolicy(removal);
    }
    // Built from the id rather than Fn::GetAtt so emulators without Rekognition can resolve it.
    const faceCollectionArn = this.formatArn({ service: 'rekognition', resource: 'collection', resourceName: this.faceCollectionId });

    // --- Handlers --------------------------------------------------------------------------
    const table = { USERS_TABLE: this.usersTable.tableName };
    const bucket = { UPLOAD_BUCKET: this.uploadBucket.bucketName };
    const collection = { FACE_COLLECTION_ID: this.faceCollectionId };
    const appName = { APP_NAME: props.appName };
    // On LocalStack: Rekognition and Cognito calls go to the sim, S3 URLs are path-style (LocalStack serves
    // every bucket on one host name), and each function has a fixed name, `<stackName>-<Handler>`,
    // so the sim's Cognito, planned from this same template, invokes the deployed functions by name.
    const targetEnvironment: Record<string, string> = localStack
      ? { AWS_ENDPOINT_URL_REKOGNITION: localStack.simEndpoint, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: localStack.simEndpoint, S3_FORCE_PATH_STYLE: 'true' }
      : {};
    const handlerFunction = (id: string, handlerProps: Omit<HandlerFunctionProps, 'functionName'>) =>
      new HandlerFunction(this, id, {
        ...handlerProps,
        environment: { ...handlerProps.environment, ...targetEnvironment },
        functionName: localStack ? `${this.stackName}-${id}` : undefined,
      });
    const trigger = (entryName: string, description: string, environment: Record<string, string>, memorySize = 256) =>
      handlerFunction(toPascalCase(entryName), { entryName, description, environment, memorySize, timeout: TRIGGER_TIMEOUT });

    this.handlers = {
      preSignUp: trigger('pre-sign-up', 'Cognito PreSignUp: validates sign-up requests', { ...table }),
      customMessage: trigger('custom-message', 'Cognito CustomMessage: verification email text', { ...table, ...appName }),
      postConfirmation: trigger('post-confirmation', 'Cognito PostConfirmation: creates the user record', { ...table }),
      defineAuthChallenge: trigger('define-auth-challenge', 'Cognito DefineAuthChallenge: picks the next challenge', { ...table }),
      createAuthChallenge: trigger('create-auth-challenge', 'Cognito CreateAuthChallenge: enrol secret, email code or presigned photo upload', {
        ...table,
        ...bucket,
        ...appName,
        UPLOAD_URL_TTL_SECONDS: String(UPLOAD_URL_TTL_SECONDS),
        EMAIL_SENDER: props.emailSender?.address ?? '',
      }),
      // More memory means more CPU: Verify has the tightest budget (Rekognition call plus waiting).
      verifyAuthChallengeResponse: trigger(
        'verify-auth-challenge-response',
        'Cognito VerifyAuthChallengeResponse: checks secrets, codes and faces',
        {
          ...table,
          ...bucket,
          ...collection,
          ...appName,
          FACE_MATCH_THRESHOLD: String(props.faceMatchThreshold),
          ENROL_WAIT_MS: String(ENROL_WAIT_MS),
          EMAIL_SENDER: props.emailSender?.address ?? '',
        },
        512,
      ),
      postAuthentication: trigger('post-authentication', 'Cognito PostAuthentication: records the last sign-in', { ...table }),
      // It also finishes what a face's bind left undone (handlers/enrolment-follow-up.ts): the
      // sign-out, the old face's removal and the notice, hence the collection and the sender.
      preTokenGeneration: trigger('pre-token-generation', 'Cognito PreTokenGeneration: adds face enrolment claims', {
        ...table,
        ...collection,
        ...appName,
        EMAIL_SENDER: props.emailSender?.address ?? '',
      }),
      faceIndexer: handlerFunction('FaceIndexer', {
        entryName: 'face-indexer',
        description: 'S3 enrol/ uploads: indexes the face into the collection and records the result',
        environment: { ...table, ...bucket, ...collection },
        memorySize: 512,
        timeout: INDEXER_TIMEOUT,
      }),
    };
    if (faceCollection) {
      for (const handler of [this.handlers.verifyAuthChallengeResponse, this.handlers.preTokenGeneration, this.handlers.faceIndexer]) {
        handler.node.addDependency(faceCollection);
      }
    }

    this.grantLeastPrivilege(faceCollectionArn, props);

    // enrol/: index the face. signin/: delete a photo PUT again after Verify looked at it.
    for (const prefix of UPLOAD_PREFIXES) {
      this.uploadBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.handlers.faceIndexer.fn), { prefix });
    }

    // --- Cognito ---------------------------------------------------------------------------
    const h = this.handlers;
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // The email is the account: whoever could change it (UpdateUserAttributes, with any access
      // token of the user) would take the sign-in name and the owner's way back (enrolling again
      // by emailed code). Immutable, so Cognito refuses every change, the administrator's too.
      standardAttributes: { email: { required: true, mutable: false } },
      userVerification: { emailStyle: cognito.VerificationEmailStyle.CODE },
      // Nobody signs in with a password (the client does not allow it), so there is nothing to recover.
      accountRecovery: cognito.AccountRecovery.NONE,
      // Custom auth and the V1 PreTokenGeneration event are available on the Lite plan.
      featurePlan: cognito.FeaturePlan.LITE,
      email: props.emailSender
        ? cognito.UserPoolEmail.withSES({
            fromEmail: props.emailSender.address,
            fromName: props.appName,
            sesVerifiedDomain: props.emailSender.sesIdentity === props.emailSender.address ? undefined : props.emailSender.sesIdentity,
            sesRegion: Aws.REGION,
          })
        : cognito.UserPoolEmail.withCognito(),
      lambdaTriggers: {
        preSignUp: h.preSignUp.fn,
        customMessage: h.customMessage.fn,
        postConfirmation: h.postConfirmation.fn,
        defineAuthChallenge: h.defineAuthChallenge.fn,
        createAuthChallenge: h.createAuthChallenge.fn,
        verifyAuthChallengeResponse: h.verifyAuthChallengeResponse.fn,
        postAuthentication: h.postAuthentication.fn,
        preTokenGeneration: h.preTokenGeneration.fn,
      },
      removalPolicy: removal,
    });

    this.userPoolClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      // Custom auth only; CDK adds ALLOW_REFRESH_TOKEN_AUTH. No password, SRP or admin flows.
      authFlows: { custom: true },
      preventUserExistenceErrors: true,
      authSessionValidity: Duration.minutes(3),
      // Revocation (a take-back by enrolling again, a disabled account) reaches Cognito at once,
      // but an API that only verifies JWTs (aws-jwt-verify) accepts a revoked access or ID token
      // until it expires. Cognito's shortest validity keeps that window at 5 minutes instead of
      // the default hour; clients renew with the refresh token, which Cognito does check.
      accessTokenValidity: Duration.minutes(5),
      idTokenValidity: Duration.minutes(5),
      disableOAuth: true,
      enableTokenRevocation: true,
      // Without WriteAttributes a user's access token may write every standard attribute, the
      // ID token's claims among them (name, picture...), which PreSignUp refuses at sign-up. The
      // client writes the email (required, so it must be writable) at sign-up, and nothing else.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });

    // Cognito has no trigger for a deleted user: a daily sweep removes the faces and records of
    // users no longer in the pool (handlers/deleted-user-sweep.ts).
    const sweep = handlerFunction('DeletedUserSweep', {
      entryName: 'deleted-user-sweep',
      description: 'Daily: removes the faces and records of users deleted from the user pool',
      environment: { ...table, ...collection, USER_POOL_ID: this.userPool.userPoolId },
      memorySize: 256,
      timeout: SWEEP_TIMEOUT,
    });
    this.deletedUserSweep = sweep;
    new events.Rule(this, 'DeletedUserSweepSchedule', {
      description: 'Removes the faces and records of users deleted from the user pool',
      schedule: events.Schedule.rate(DELETED_USER_SWEEP_RATE),
      targets: [new targets.LambdaFunction(sweep.fn, { retryAttempts: 2 })],
    });
    if (faceCollection) sweep.node.addDependency(faceCollection);
    allow(sweep, ['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser'], [this.userPool.userPoolArn]);
    allow(sweep, ['rekognition:ListFaces', 'rekognition:DeleteFaces'], [faceCollectionArn]);
    // A Scan reads every item (no key to narrow it to); only USER# records are deleted.
    allow(sweep, ['dynamodb:Scan'], [this.usersTable.tableArn]);
    allowItemsOf(sweep, this.usersTable.tableArn, ['DeleteItem'], ['USER#*']);
    // Whether a member's unbound face may still be held: its photo's indexing trace.
    allowItemsOf(sweep, this.usersTable.tableArn, ['GetItem'], ['INDEXING#*']);

    // Cognito calls on the pool get a policy of their own, attached to the role: the pool names
    // the function as its trigger, so a statement on the pool inside the role's default policy,
    // which the function depends on, would be a dependency cycle. Nothing else depends on these.
    const allowOnPool = (id: string, handler: HandlerFunction, action: string) =>
      new iam.Policy(this, id, {
        roles: [handler.fn.role!],
        statements: [new iam.PolicyStatement({ actions: [`cognito-idp:${action}`], resources: [this.userPool.userPoolArn] })],
      });
    // Verify ends a user's sessions when a new face replaces the old one (handlers/user-sessions.ts);
    // PreTokenGeneration when that Verify was cut short (handlers/enrolment-follow-up.ts).
    allowOnPool('VerifySignOutPolicy', h.verifyAuthChallengeResponse, 'AdminUserGlobalSignOut');
    allowOnPool('PreTokenGenerationSignOutPolicy', h.preTokenGeneration, 'AdminUserGlobalSignOut');
    // PostConfirmation replaces the sign-up's password by one nobody knows (handlers/pool-password.ts).
    allowOnPool('PostConfirmationPasswordPolicy', h.postConfirmation, 'AdminSetUserPassword');

    // --- Outputs (ids are read by the emulator and written to cdk-outputs.json) ------------
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'BucketName', { value: this.uploadBucket.bucketName });
    new CfnOutput(this, 'UsersTableName', { value: this.usersTable.tableName });
    new CfnOutput(this, 'CollectionId', { value: this.faceCollectionId });
    new CfnOutput(this, 'Region', { value: Aws.REGION });
  }

  /**
   * Each handler gets exactly the actions it calls, on exactly the resources it touches. The list
   * follows the handlers' code (handlers/*.ts), not just the flow diagram: see docs/stack.md.
   * Table access is narrowed to the item kinds each function reads or writes (`USER#<sub>`,
   * `UPLOAD#<key>`, `INDEXING#<key>`, `FAILURES#<sub>...`, `MAILBOX#<sub>`, the decoy key) with
   * `dynamodb:LeadingKeys`; listing (which S3 needs to answer 404 rather than 403 for a missing
   * photo) is narrowed to the photo prefixes with `s3:prefix`.
   */
  private grantLeastPrivilege(faceCollectionArn: string, props: FaceAuthStackProps): void {
    const h = this.handlers;
    const tableArn = this.usersTable.tableArn;
    const bucketArn = this.uploadBucket.bucketArn;
    const objectsUnder = (...prefixes: string[]) => prefixes.map((prefix) => this.uploadBucket.arnForObjects(`${prefix}*`));
    const allowItems = (handler: HandlerFunction, actions: string[], patterns: string[]) => allowItemsOf(handler, tableArn, actions, patterns);
    const allowListing = (handler: HandlerFunction, prefixes: string[]) =>
      allow(handler, ['s3:ListBucket'], [bucketArn], { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } });
    const user = 'USER#*';
    const upload = 'UPLOAD#*';
    const failures = 'FAILURES#*';
    const mailbox = 'MAILBOX#*';
    const indexing = 'INDEXING#*';
    const sesIdentity = props.emailSender
      ? this.formatArn({ service: 'ses', resource: 'identity', resourceName: props.emailSender.sesIdentity })
      : undefined;

    // preSignUp and customMessage only write their logs.
    allowItems(h.postConfirmation, ['PutItem'], [user]);
    // Define and Create read the stand-in sub's record for unknown emails, so they may create the
    // decoy key on first use.
    allowItems(h.defineAuthChallenge, ['GetItem'], [user, DECOY_KEY_ITEM]);
    allowItems(h.defineAuthChallenge, ['PutItem'], [DECOY_KEY_ITEM]);

    // UPLOAD#<key>: a new enrolment challenge tells why the last photo was refused (the indexer's verdict).
    allowItems(h.createAuthChallenge, ['GetItem'], [user, upload, DECOY_KEY_ITEM]);
    allowItems(h.createAuthChallenge, ['PutItem'], [DECOY_KEY_ITEM, mailbox]);
    allowItems(h.createAuthChallenge, ['UpdateItem'], [mailbox]);
    // Presigned PUT URLs carry the signer's permissions: this role must be able to PUT the keys it hands out.
    allow(h.createAuthChallenge, ['s3:PutObject'], objectsUnder(...UPLOAD_PREFIXES));
    // SES v2 SendEmail is authorised as ses:SendEmail on the identity the From address uses:
    // Create sends enrolment codes, Verify the "a face was enrolled" notice.
    if (sesIdentity) allow(h.createAuthChallenge, ['ses:SendEmail'], [sesIdentity]);

    allowItems(h.verifyAuthChallengeResponse, ['GetItem'], [user, upload, DECOY_KEY_ITEM]);
    // A face sign-in reads the record and both failure buckets in one BatchGetItem.
    allowItems(h.verifyAuthChallengeResponse, ['BatchGetItem'], [user, failures]);
    allowItems(h.verifyAuthChallengeResponse, ['PutItem'], [upload, DECOY_KEY_ITEM]);
    allowItems(h.verifyAuthChallengeResponse, ['UpdateItem'], [user, failures]);
    allowItems(h.verifyAuthChallengeResponse, ['DeleteItem'], [failures]);
    // Rekognition reads S3Object images with the caller's credentials, hence s3:GetObject
    // (which also authorises HeadObject); enrolment photos are only ever deleted by Verify.
    allow(h.verifyAuthChallengeResponse, ['s3:GetObject'], objectsUnder('signin/'));
    allow(h.verifyAuthChallengeResponse, ['s3:DeleteObject'], objectsUnder(...UPLOAD_PREFIXES));
    // Listing enrol/ tells an enrolment photo still waiting for the indexer from one never uploaded.
    allowListing(h.verifyAuthChallengeResponse, ['signin/', 'enrol/']);
    allow(h.verifyAuthChallengeResponse, ['rekognition:SearchFacesByImage', 'rekognition:DeleteFaces'], [faceCollectionArn]);
    if (sesIdentity) allow(h.verifyAuthChallengeResponse, ['ses:SendEmail'], [sesIdentity]);

    allowItems(h.postAuthentication, ['UpdateItem'], [user]);
    allowItems(h.preTokenGeneration, ['GetItem'], [user]);
    // What a face's bind left undone: the follow-up cleared, the old face removed, the notice sent.
    allowItems(h.preTokenGeneration, ['UpdateItem'], [user]);
    allow(h.preTokenGeneration, ['rekognition:DeleteFaces'], [faceCollectionArn]);
    if (sesIdentity) allow(h.preTokenGeneration, ['ses:SendEmail'], [sesIdentity]);

    allow(h.faceIndexer, ['s3:GetObject'], objectsUnder('enrol/'));
    allow(h.faceIndexer, ['s3:DeleteObject'], objectsUnder(...UPLOAD_PREFIXES));
    allowListing(h.faceIndexer, ['enrol/']);
    // ListFaces: a retry of an indexing that died after IndexFaces finds the faces it left.
    allow(h.faceIndexer, ['rekognition:IndexFaces', 'rekognition:ListFaces', 'rekognition:DeleteFaces'], [faceCollectionArn]);
    // GetItem: a redelivered S3 event finds the verdict already recorded and does nothing; a
    // sign-in photo PUT again after its check finds the USED mark and is deleted. INDEXING#<key>
    // is the trace an indexing leaves before IndexFaces, for its retry to find.
    allowItems(h.faceIndexer, ['GetItem', 'PutItem'], [upload, indexing]);
    // The indexed face becomes the user's pending face, replacing an unanswered enrolment's; a hold
    // refused because another run of the photo holds its face reads which face that is.
    allowItems(h.faceIndexer, ['GetItem', 'UpdateItem'], [user]);
  }
}

export type HandlerName =
  | 'preSignUp'
  | 'customMessage'
  | 'postConfirmation'
  | 'defineAuthChallenge'
  | 'createAuthChallenge'
  | 'verifyAuthChallengeResponse'
  | 'postAuthentication'
  | 'preTokenGeneration'
  | 'faceIndexer';

/** Actions on resources, in the statements of the handler's own role. */
function allow(handler: HandlerFunction, actions: string[], resources: string[], conditions?: Record<string, unknown>): void {
  handler.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));
}

/** DynamoDB actions on the table, only on items whose key matches one of `patterns`. */
function allowItemsOf(handler: HandlerFunction, tableArn: string, actions: string[], patterns: string[]): void {
  allow(handler, actions.map((action) => `dynamodb:${action}`), [tableArn], {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
  });
}

function toPascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}
