import { describe, expect, it } from 'vitest';
import { corsRulesFromConfiguration, notificationsFromConfiguration } from './bucket-config-translation.js';

describe('bucket settings from a synthesized template', () => {
  it('reads CDK’s Custom::S3BucketNotifications configuration', () => {
    const configuration = {
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'enrol/' }] } },
          LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:FaceIndexer',
        },
      ],
    };
    expect(notificationsFromConfiguration(configuration, (arn) => String(arn).split(':').pop()!)).toEqual([
      { id: undefined, events: ['s3:ObjectCreated:*'], prefix: 'enrol/', suffix: undefined, functionName: 'FaceIndexer' },
    ]);
  });

  it('reads AWS::S3::Bucket LambdaConfigurations', () => {
    const configuration = {
      LambdaConfigurations: [
        { Event: 's3:ObjectRemoved:*', Function: 'cleanup', Filter: { S3Key: { Rules: [{ Name: 'suffix', Value: '.jpg' }] } } },
      ],
    };
    expect(notificationsFromConfiguration(configuration)).toEqual([
      { id: undefined, events: ['s3:ObjectRemoved:*'], prefix: undefined, suffix: '.jpg', functionName: 'cleanup' },
    ]);
  });

  it('reads CORS rules in CloudFormation and S3 API spelling', () => {
    expect(
      corsRulesFromConfiguration({
        CorsRules: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['http://localhost:5173'], AllowedHeaders: ['content-type'], ExposedHeaders: ['etag'], MaxAge: 300 }],
      }),
    ).toEqual([
      { AllowedMethods: ['PUT'], AllowedOrigins: ['http://localhost:5173'], AllowedHeaders: ['content-type'], ExposedHeaders: ['etag'], MaxAge: 300, Id: undefined },
    ]);
    expect(corsRulesFromConfiguration([{ AllowedMethods: ['GET'], AllowedOrigins: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }])[0]).toMatchObject({
      ExposedHeaders: ['ETag'],
      MaxAge: 60,
    });
  });
});
