// A bucket's CORS rules, evaluated the way S3 does: the first rule whose origin, method and (for a
// preflight) every requested header match wins; `*` is a wildcard anywhere in a pattern.

/** One rule in the CloudFormation shape (`AWS::S3::Bucket` CorsConfiguration.CorsRules[]). */
export interface CorsRule {
  AllowedMethods: string[];
  AllowedOrigins: string[];
  AllowedHeaders?: string[];
  ExposedHeaders?: string[];
  MaxAge?: number;
  Id?: string;
}

function wildcardMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

export function findCorsRule(
  rules: CorsRule[],
  request: { origin: string; method: string; requestHeaders?: string[] },
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.AllowedOrigins.some((allowed) => wildcardMatches(allowed, request.origin, false)) &&
      rule.AllowedMethods.some((allowed) => allowed.toUpperCase() === request.method.toUpperCase()) &&
      (request.requestHeaders ?? []).every((header) =>
        (rule.AllowedHeaders ?? []).some((allowed) => wildcardMatches(allowed, header, true)),
      ),
  );
}

/** The headers S3 adds when a rule matched, for a preflight or an actual request. */
export function corsResponseHeaders(
  rule: CorsRule,
  request: { origin: string; requestHeaders?: string[] },
): Record<string, string> {
  const anyOrigin = rule.AllowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin ? '*' : request.origin,
    'access-control-allow-methods': rule.AllowedMethods.map((method) => method.toUpperCase()).join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (request.requestHeaders?.length) headers['access-control-allow-headers'] = request.requestHeaders.join(', ');
  if (rule.ExposedHeaders?.length) headers['access-control-expose-headers'] = rule.ExposedHeaders.join(', ');
  if (rule.MaxAge !== undefined) headers['access-control-max-age'] = String(rule.MaxAge);
  return headers;
}

/** `Access-Control-Request-Headers: Content-Type, x-amz-meta-a` → `['content-type', 'x-amz-meta-a']`. */
export function parseRequestedHeaders(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter(Boolean);
}
