// IAM's evaluation of identity-based policies, for the statements a stack's roles carry: an
// explicit Deny wins, then any Allow, else the request is implicitly denied. Actions match without
// regard to case, resources with it; `*` and `?` are wildcards in both. Conditions cover the
// operators a least-privilege stack uses (the String and Null families, with ForAllValues /
// ForAnyValue and IfExists); a statement with an operator this does not know never allows and
// always denies, so an unknown condition can only make the sim stricter than AWS, never looser.

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** One action on one resource, with the condition keys the request supplies (absent keys left out). */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  context?: Record<string, readonly string[]>;
}

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

interface CompiledCondition {
  test(context: ReadonlyMap<string, readonly string[]>): boolean;
}

export interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  matchesAction(action: string): boolean;
  matchesResource(resource: string): boolean;
  conditions: CompiledCondition[];
  /** Condition operators this evaluator does not know; the statement then never allows. */
  unsupported: string[];
}

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** A pattern with IAM's wildcards (`*` any run of characters, `?` one) as an anchored regular expression. */
export function wildcardPattern(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (character) => (character === '*' ? '.*' : character === '?' ? '.' : `\\${character}`));
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

function anyOf(patterns: string[], ignoreCase: boolean): (value: string) => boolean {
  const expressions = patterns.map((pattern) => wildcardPattern(pattern, ignoreCase));
  return (value) => expressions.some((expression) => expression.test(value));
}

/** How one operator compares a request value with a policy value (compiled once per policy value). */
const STRING_COMPARISONS: Record<string, { matcher: (pattern: string) => (value: string) => boolean; negated: boolean }> = {};
const exactly = (pattern: string) => (value: string) => value === pattern;
const ignoringCase = (pattern: string) => (value: string) => value.toLowerCase() === pattern.toLowerCase();
const like = (pattern: string) => {
  const expression = wildcardPattern(pattern, false);
  return (value: string) => expression.test(value);
};
for (const [name, matcher] of [['StringEquals', exactly], ['StringEqualsIgnoreCase', ignoringCase], ['StringLike', like], ['ArnEquals', exactly], ['ArnLike', like]] as const) {
  STRING_COMPARISONS[name] = { matcher, negated: false };
  STRING_COMPARISONS[name.replace(/^(String|Arn)/, '$1Not')] = { matcher, negated: true };
}

function compileCondition(operatorName: string, key: string, policyValues: string[]): CompiledCondition | undefined {
  const contextKey = key.toLowerCase();
  if (operatorName === 'Null') {
    // Null: true means "the key is absent", false "the key is present".
    const wantsAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
    return { test: (context) => (context.get(contextKey) === undefined) === wantsAbsent };
  }
  let operator = operatorName;
  let set: 'all' | 'any' | undefined;
  if (operator.startsWith('ForAllValues:')) [set, operator] = ['all', operator.slice('ForAllValues:'.length)];
  else if (operator.startsWith('ForAnyValue:')) [set, operator] = ['any', operator.slice('ForAnyValue:'.length)];
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  const comparison = Object.hasOwn(STRING_COMPARISONS, operator) ? STRING_COMPARISONS[operator] : undefined;
  if (!comparison) return undefined;
  const matchers = policyValues.map(comparison.matcher);
  // A negated operator holds when the value matches none of the policy's values.
  const holdsFor = (value: string) => matchers.some((matches) => matches(value)) !== comparison.negated;
  return {
    test(context) {
      const values = context.get(contextKey);
      const absent = values === undefined || values.length === 0;
      // ForAllValues holds for a key the request does not have (IAM's documented trap).
      if (set === 'all') return absent || values.every(holdsFor);
      if (set === 'any') return !absent && values.some(holdsFor);
      if (absent) return ifExists || comparison.negated;
      return values.some(holdsFor);
    },
  };
}

export function compileStatement(statement: PolicyStatement): CompiledStatement {
  const effect = statement.Effect === 'Deny' ? 'Deny' : 'Allow';
  const actions = anyOf(asList(statement.Action ?? statement.NotAction), true);
  const resources = anyOf(asList(statement.Resource ?? statement.NotResource ?? '*'), false);
  const conditions: CompiledCondition[] = [];
  const unsupported: string[] = [];
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys ?? {})) {
      const condition = compileCondition(operator, key, asList(values));
      if (condition) conditions.push(condition);
      else unsupported.push(operator);
    }
  }
  return {
    effect,
    matchesAction: statement.NotAction !== undefined ? (action) => !actions(action) : actions,
    matchesResource: statement.NotResource !== undefined ? (resource) => !resources(resource) : resources,
    conditions,
    unsupported,
  };
}

/** IAM's decision for one request against a principal's statements. */
export function evaluate(statements: readonly CompiledStatement[], request: AuthorizationRequest): Decision {
  const context = new Map(Object.entries(request.context ?? {}).map(([key, values]) => [key.toLowerCase(), values]));
  let allowed = false;
  for (const statement of statements) {
    if (!statement.matchesAction(request.action) || !statement.matchesResource(request.resource)) continue;
    const applies = statement.unsupported.length === 0 && statement.conditions.every((condition) => condition.test(context));
    if (statement.effect === 'Deny' && (applies || statement.unsupported.length > 0)) return 'explicit-deny';
    if (statement.effect === 'Allow' && applies) allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
