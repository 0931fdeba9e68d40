import { describe, expect, it } from 'vitest';
import type { PlannedRole } from '../cloud-assembly/stack-plan.js';
import { AccessControl } from './access-control.js';

const role = (statements: PlannedRole['statements'], managedPolicyArns: string[] = []): PlannedRole => ({
  logicalId: 'ReaderRole', name: 'Stack-ReaderRole', arn: 'arn:aws:iam::000000000000:role/Stack-ReaderRole', statements, managedPolicyArns,
});
const reader = role([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/signin/*' }]);

describe('access control of the functions calls', () => {
  it('gives each function credentials of its own, the same for the same kit secret and others for another', () => {
    const one = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const again = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const other = new AccessControl({ accountId: '000000000000', rootSecret: 'another secret' });
    const reading = one.credentialsFor('Stack-Reader', reader)!;
    expect(reading.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(reading.secretAccessKey).toHaveLength(40);
    expect(reading.sessionToken.length).toBeGreaterThan(40);
    expect(again.credentialsFor('Stack-Reader', reader)).toEqual(reading);
    expect(one.credentialsFor('Stack-Writer', reader)!.accessKeyId).not.toBe(reading.accessKeyId);
    expect(other.credentialsFor('Stack-Reader', reader)!.accessKeyId).not.toBe(reading.accessKeyId);
    expect(one.credentialsFor('Stack-NoRole', undefined)).toBeUndefined();
  });

  it('derives the same credentials in every kit with the same secret: a presigned URL signed before a restart still holds', () => {
    // Pinned (computed apart with Python's hmac): HMAC-SHA256 of the kit's secret over purpose NUL function name.
    expect(new AccessControl({ accountId: '000000000000', rootSecret: 'test' }).credentialsFor('Stack-Reader', reader)).toEqual({
      accessKeyId: 'ASIA4THMK7AORVHPHDV2',
      secretAccessKey: 'pHtDZcK+ARxnpTKayCEhaHK8atCDI4eJwPoGI+/o',
      sessionToken: 'FwoGZXIvYXdzEckbPSdQojZy2gegPv72qtiHt0sE79Z2k6FRXs/195LA=',
    });
  });

  it("refuses a function's call its role does not allow, in IAM's words, and lets the kit's own key through", () => {
    const control = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const { accessKeyId } = control.credentialsFor('Stack-Reader', reader)!;
    expect(control.checks(accessKeyId)).toBe(true);
    expect(control.check(accessKeyId, [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/signin/x' }])).toBeUndefined();
    const denied = control.check(accessKeyId, [
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/signin/x' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/enrol/x' },
    ]);
    expect(denied?.name).toBe('AccessDenied');
    expect(denied?.message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/Stack-ReaderRole/Stack-Reader is not authorized to perform: s3:GetObject ' +
        'on resource: arn:aws:s3:::b/enrol/x because no identity-based policy allows the s3:GetObject action',
    );
    expect(control.callerOf(accessKeyId)).toEqual({
      arn: 'arn:aws:sts::000000000000:assumed-role/Stack-ReaderRole/Stack-Reader',
      userId: expect.stringMatching(/^AROA[A-Z2-7]{17}:Stack-Reader$/),
    });
    expect(control.callerOf('test')).toBeUndefined();
    expect(control.checks('test')).toBe(false);
    expect(control.check('test', [{ action: 's3:DeleteBucket', resource: 'arn:aws:s3:::b' }])).toBeUndefined();
  });

  it('says so when an explicit deny refused the call', () => {
    const control = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const { accessKeyId } = control.credentialsFor('Stack-Reader', role([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
    ]))!;
    expect(control.check(accessKeyId, [{ action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' }])?.message)
      .toMatch(/not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::b\/k because an explicit deny in an identity-based policy$/);
  });

  it("adds the basic execution role's statements, and leaves unchecked a function whose managed policy it cannot read", () => {
    const control = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const basic = control.credentialsFor('Stack-Basic', role([], ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']))!;
    expect(control.check(basic.accessKeyId, [{ action: 'logs:PutLogEvents', resource: 'arn:aws:logs:x' }])).toBeUndefined();
    expect(control.check(basic.accessKeyId, [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }])).toBeDefined();
    const admin = control.credentialsFor('Stack-Admin', role([], ['arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess']))!;
    // Its calls are signed with a key of its own all the same, only not checked.
    expect(admin).toEqual({ accessKeyId: expect.stringMatching(/^ASIA/), secretAccessKey: expect.any(String), sessionToken: expect.any(String) });
    expect(control.checks(admin.accessKeyId)).toBe(false);
    expect(control.unchecked).toEqual([{
      functionName: 'Stack-Admin',
      reason: 'its role has managed policies whose statements the template does not hold (arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/ReadOnlyAccess)',
    }]);
  });
});
