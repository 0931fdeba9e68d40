import { describe, expect, it } from 'vitest';
import { compileStatement, evaluate, type AuthorizationRequest, type PolicyStatement } from './policy-evaluation.js';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/Users';
const decide = (statements: PolicyStatement[], request: AuthorizationRequest) => evaluate(statements.map(compileStatement), request);
const leadingKeys = (...keys: string[]) => ({ 'dynamodb:LeadingKeys': keys });
const userItems: PolicyStatement = {
  Effect: 'Allow',
  Action: 'dynamodb:GetItem',
  Resource: TABLE,
  Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*', 'SECRET#decoy'] } },
};

describe('IAM policy evaluation', () => {
  it('allows only the actions and resources a statement names, actions without regard to case, resources with it', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::bucket/signin/*' }];
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/signin/a.jpg' })).toBe('allow');
    expect(decide(statements, { action: 'S3:getobject', resource: 'arn:aws:s3:::bucket/signin/a.jpg' })).toBe('allow');
    expect(decide(statements, { action: 's3:PutObject', resource: 'arn:aws:s3:::bucket/signin/a.jpg' })).toBe('implicit-deny');
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/enrol/a.jpg' })).toBe('implicit-deny');
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/SIGNIN/a.jpg' })).toBe('implicit-deny');
    expect(decide([], { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/signin/a.jpg' })).toBe('implicit-deny');
  });

  it('reads * and ? as wildcards and every other character literally', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'rekognition:*Faces', Resource: 'arn:aws:s3:::b.c/k?y' }];
    expect(decide(statements, { action: 'rekognition:ListFaces', resource: 'arn:aws:s3:::b.c/key' })).toBe('allow');
    expect(decide(statements, { action: 'rekognition:ListFaces', resource: 'arn:aws:s3:::bxc/key' })).toBe('implicit-deny');
    expect(decide(statements, { action: 'rekognition:ListFaces', resource: 'arn:aws:s3:::b.c/keey' })).toBe('implicit-deny');
    expect(decide(statements, { action: 'rekognition:ListFacesNow', resource: 'arn:aws:s3:::b.c/key' })).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::bucket/enrol/*' },
    ];
    expect(decide(statements, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::bucket/enrol/x' })).toBe('explicit-deny');
    expect(decide(statements, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::bucket/signin/x' })).toBe('allow');
  });

  it('allows items by dynamodb:LeadingKeys only when every key matches (ForAllValues)', () => {
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1') })).toBe('allow');
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('SECRET#decoy') })).toBe('allow');
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('UPLOAD#enrol/x') })).toBe('implicit-deny');
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1', 'FAILURES#1') })).toBe('implicit-deny');
    // The prefix is anchored: a key that only contains it does not match.
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('X-USER#1') })).toBe('implicit-deny');
    // Condition keys are compared without regard to case of their names.
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE, context: { 'DynamoDB:leadingkeys': ['UPLOAD#x'] } })).toBe('implicit-deny');
  });

  it('holds a ForAllValues condition for a request without the key, and a ForAnyValue one never', () => {
    // IAM's documented trap: a Scan has no leading keys, so ForAllValues holds vacuously.
    expect(decide([userItems], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('allow');
    const any: PolicyStatement = { ...userItems, Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] } } };
    expect(decide([any], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('implicit-deny');
    expect(decide([any], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('UPLOAD#x', 'USER#1') })).toBe('allow');
  });

  it('fails a single-valued condition whose key is absent, unless IfExists or negated', () => {
    const listing = (operator: string): PolicyStatement => ({
      Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::bucket', Condition: { [operator]: { 's3:prefix': ['enrol/*'] } },
    });
    const request = (prefix?: string): AuthorizationRequest => ({
      action: 's3:ListBucket', resource: 'arn:aws:s3:::bucket', context: prefix === undefined ? {} : { 's3:prefix': [prefix] },
    });
    expect(decide([listing('StringLike')], request('enrol/abc'))).toBe('allow');
    expect(decide([listing('StringLike')], request('signin/abc'))).toBe('implicit-deny');
    expect(decide([listing('StringLike')], request())).toBe('implicit-deny');
    expect(decide([listing('StringLikeIfExists')], request())).toBe('allow');
    expect(decide([listing('StringLikeIfExists')], request('signin/abc'))).toBe('implicit-deny');
    expect(decide([listing('StringNotLike')], request())).toBe('allow');
    expect(decide([listing('StringNotLike')], request('enrol/abc'))).toBe('implicit-deny');
    expect(decide([listing('StringNotLike')], request('signin/abc'))).toBe('allow');
    expect(decide([listing('StringEquals')], request('enrol/*'))).toBe('allow');
    expect(decide([listing('StringEquals')], request('enrol/abc'))).toBe('implicit-deny');
    expect(decide([listing('StringEqualsIgnoreCase')], request('ENROL/*'))).toBe('allow');
  });

  it('requires every condition of a statement to hold', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow', Action: 's3:ListBucket', Resource: '*',
      Condition: { StringLike: { 's3:prefix': 'enrol/*' }, StringEquals: { 's3:delimiter': '/' } },
    };
    expect(decide([statement], { action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': ['enrol/'], 's3:delimiter': ['/'] } })).toBe('allow');
    expect(decide([statement], { action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': ['enrol/'] } })).toBe('implicit-deny');
  });

  it('tells absent keys from present ones with Null', () => {
    const statement: PolicyStatement = { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { Null: { 's3:prefix': 'true' } } };
    expect(decide([statement], { action: 's3:ListBucket', resource: 'x' })).toBe('allow');
    expect(decide([statement], { action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': [''] } })).toBe('implicit-deny');
  });

  it('never allows, and always denies, by a statement whose condition operator it does not know', () => {
    const unknown = { NumericLessThan: { 's3:max-keys': '10' } };
    expect(decide([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: unknown }],
      { action: 's3:ListBucket', resource: 'x', context: { 's3:max-keys': ['5'] } })).toBe('implicit-deny');
    expect(decide([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: unknown }],
      { action: 's3:ListBucket', resource: 'x', context: { 's3:max-keys': ['50'] } })).toBe('explicit-deny');
  });

  it('reads NotAction and NotResource as everything but what they name', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', NotAction: 's3:DeleteObject', NotResource: 'arn:aws:s3:::bucket/enrol/*' }];
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/signin/x' })).toBe('allow');
    expect(decide(statements, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::bucket/signin/x' })).toBe('implicit-deny');
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/enrol/x' })).toBe('implicit-deny');
  });

  it('matches a wildcard across line breaks (an S3 key may hold one) and nothing for a statement without actions', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/signin/*' }];
    expect(decide(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/signin/a\nb' })).toBe('allow');
    expect(decide([{ Effect: 'Allow', Resource: '*' }], { action: 'undefined', resource: 'x' })).toBe('implicit-deny');
  });

  it('compares StringLike with regard to case, and StringEqualsIgnoreCase without', () => {
    const condition = (operator: string): PolicyStatement => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { [operator]: { 's3:prefix': 'enrol/*' } } });
    const listing = (prefix: string): AuthorizationRequest => ({ action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': [prefix] } });
    expect(decide([condition('StringLike')], listing('ENROL/a'))).toBe('implicit-deny');
    expect(decide([condition('StringEqualsIgnoreCase')], listing('ENROL/*'))).toBe('allow');
    expect(decide([condition('StringEqualsIgnoreCase')], listing('signin/*'))).toBe('implicit-deny');
  });

  it('holds Null "false" only for a present key, and counts an empty list as absent', () => {
    const present: PolicyStatement = { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { Null: { 's3:prefix': ['false'] } } };
    expect(decide([present], { action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': ['a'] } })).toBe('allow');
    expect(decide([present], { action: 's3:ListBucket', resource: 'x', context: { 's3:prefix': [] } })).toBe('implicit-deny');
    expect(decide([present], { action: 's3:ListBucket', resource: 'x' })).toBe('implicit-deny');
  });

  it('reads a set operator before a negated one: ForAnyValue:StringNotLike fails for a missing key, as a bare StringNotLike holds', () => {
    const notLike = (operator: string): PolicyStatement => ({ ...userItems, Condition: { [operator]: { 'dynamodb:LeadingKeys': ['UPLOAD#*'] } } });
    expect(decide([notLike('ForAnyValue:StringNotLike')], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('implicit-deny');
    expect(decide([notLike('ForAnyValue:StringNotLike')], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('UPLOAD#1', 'USER#1') })).toBe('allow');
    expect(decide([notLike('StringNotLike')], { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [] } })).toBe('allow');
    expect(decide([notLike('StringNotLike')], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1') })).toBe('allow');
    expect(decide([notLike('StringNotLike')], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('UPLOAD#1') })).toBe('implicit-deny');
  });

  it('cannot decide a single-valued operator given several values: such an Allow never applies, such a Deny always does', () => {
    const bare: PolicyStatement = { ...userItems, Condition: { StringLike: { 'dynamodb:LeadingKeys': ['USER#*'] } } };
    expect(decide([bare], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1') })).toBe('allow');
    expect(decide([bare], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1', 'USER#2') })).toBe('implicit-deny');
    const everything: PolicyStatement = { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' };
    const denyOthers: PolicyStatement = { Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: '*', Condition: { StringNotLike: { 'dynamodb:LeadingKeys': ['USER#*'] } } };
    expect(decide([everything, denyOthers], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1') })).toBe('allow');
    expect(decide([everything, denyOthers], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1', 'USER#2') })).toBe('explicit-deny');
    // A Deny whose other condition is plainly false does not apply, undecidable or not.
    const denyWhenListing: PolicyStatement = { ...denyOthers, Condition: { ...denyOthers.Condition, StringEquals: { 's3:prefix': 'x' } } };
    expect(decide([everything, denyWhenListing], { action: 'dynamodb:GetItem', resource: TABLE, context: leadingKeys('USER#1', 'USER#2') })).toBe('allow');
  });
});
