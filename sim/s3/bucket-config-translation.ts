// Turns the bucket settings found in a synthesized template into the emulator's BucketConfig
// pieces. CDK writes CORS and lifecycle rules on the AWS::S3::Bucket (CloudFormation shape) and notifications on a
// Custom::S3BucketNotifications resource (S3 API shape); hand-written templates use
// AWS::S3::Bucket NotificationConfiguration. Function references must already be resolved.
import type { CorsRule } from './cors.js';
import type { NotificationConfig } from './event-notifications.js';
import type { ExpirationRule } from './lifecycle.js';

type Untyped = Record<string, unknown>;

const asArray = (value: unknown): Untyped[] => (Array.isArray(value) ? (value as Untyped[]) : []);
const asStrings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : undefined;

/** `CorsConfiguration` (`{ CorsRules }`) or the rules list, in CloudFormation or S3 API spelling. */
export function corsRulesFromConfiguration(configuration: unknown): CorsRule[] {
  const rules = Array.isArray(configuration) ? configuration : (configuration as Untyped | undefined)?.CorsRules;
  return asArray(rules).map((rule) => {
    const maxAge = rule.MaxAge ?? rule.MaxAgeSeconds;
    return {
      AllowedMethods: asStrings(rule.AllowedMethods) ?? [],
      AllowedOrigins: asStrings(rule.AllowedOrigins) ?? [],
      AllowedHeaders: asStrings(rule.AllowedHeaders),
      ExposedHeaders: asStrings(rule.ExposedHeaders ?? rule.ExposeHeaders),
      MaxAge: maxAge === undefined ? undefined : Number(maxAge),
      Id: typeof rule.Id === 'string' ? rule.Id : undefined,
    };
  });
}

/**
 * Lambda notifications from `NotificationConfiguration`, either spelling:
 * S3 API / CDK `LambdaFunctionConfigurations[{ Id, Events, LambdaFunctionArn, Filter.Key.FilterRules }]`
 * or CloudFormation `LambdaConfigurations[{ Event, Function, Filter.S3Key.Rules }]`.
 * `functionNameOf` maps the function reference (an ARN, or whatever the template holds) to the
 * name the FunctionInvoker knows; by default the reference is used as it is.
 */
export function notificationsFromConfiguration(
  configuration: unknown,
  functionNameOf: (reference: unknown) => string = String,
): NotificationConfig[] {
  const untyped = (configuration ?? {}) as Untyped;
  const fromApi = asArray(untyped.LambdaFunctionConfigurations).map((entry) => ({
    id: typeof entry.Id === 'string' ? entry.Id : undefined,
    events: asStrings(entry.Events) ?? [],
    reference: entry.LambdaFunctionArn,
    rules: asArray(((entry.Filter as Untyped | undefined)?.Key as Untyped | undefined)?.FilterRules),
  }));
  const fromCloudFormation = asArray(untyped.LambdaConfigurations).map((entry) => ({
    id: undefined,
    events: asStrings(entry.Event) ?? [],
    reference: entry.Function,
    rules: asArray(((entry.Filter as Untyped | undefined)?.S3Key as Untyped | undefined)?.Rules),
  }));
  return [...fromApi, ...fromCloudFormation].map(({ id, events, reference, rules }) => {
    const rule = (name: string) => {
      const found = rules.find((candidate) => String(candidate.Name).toLowerCase() === name);
      return found === undefined ? undefined : String(found.Value);
    };
    return { id, events, prefix: rule('prefix'), suffix: rule('suffix'), functionName: functionNameOf(reference) };
  });
}

/**
 * Enabled expiration rules from `LifecycleConfiguration` (CloudFormation: `Rules[{ Id, Status,
 * Prefix | Filter.Prefix, ExpirationInDays, ExpirationDate, AbortIncompleteMultipartUpload {
 * DaysAfterInitiation } }]`; the S3 API spelling `Expiration { Days, Date }` too). Rules filtered
 * by tags are skipped (the kit refuses object tags, so none can apply); size bounds are kept.
 */
export function expirationRulesFromConfiguration(configuration: unknown): ExpirationRule[] {
  const rules = Array.isArray(configuration) ? configuration : (configuration as Untyped | undefined)?.Rules;
  return asArray(rules).flatMap((rule) => {
    if (rule.Status !== undefined && rule.Status !== 'Enabled') return [];
    const filter = (rule.Filter ?? {}) as Untyped;
    // CloudFormation puts a rule's TagFilters and size bounds on the rule itself, the S3 API under
    // Filter (And for several): both are read (the rule's were missed, and a tag-filtered rule
    // expired every object under its prefix).
    const and = (filter.And ?? {}) as Untyped;
    if (rule.TagFilters !== undefined || filter.Tag !== undefined || filter.TagFilters !== undefined || and.Tags !== undefined) return [];
    const bound = (name: string) => {
      const value = rule[name] ?? filter[name] ?? and[name];
      return value === undefined ? undefined : Number(value);
    };
    const minSizeExclusive = bound('ObjectSizeGreaterThan');
    const maxSizeExclusive = bound('ObjectSizeLessThan');
    const expiration = (rule.Expiration ?? {}) as Untyped;
    const days = rule.ExpirationInDays ?? expiration.Days;
    const date = rule.ExpirationDate ?? expiration.Date;
    const abortDays = ((rule.AbortIncompleteMultipartUpload ?? {}) as Untyped).DaysAfterInitiation;
    if (days === undefined && date === undefined && abortDays === undefined) return [];
    return [{
      id: typeof rule.Id === 'string' ? rule.Id : typeof rule.ID === 'string' ? rule.ID : undefined,
      prefix: String(rule.Prefix ?? filter.Prefix ?? and.Prefix ?? ''),
      days: days === undefined ? undefined : Number(days),
      date: date === undefined ? undefined : Date.parse(String(date)),
      ...(abortDays === undefined ? {} : { abortIncompleteDays: Number(abortDays) }),
      ...(minSizeExclusive === undefined ? {} : { minSizeExclusive }),
      ...(maxSizeExclusive === undefined ? {} : { maxSizeExclusive }),
    }];
  });
}
