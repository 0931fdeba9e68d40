// IAM's evaluation of identity-based policies, for the statements a stack's roles carry: an
// explicit Deny wins, then any Allow, else the request is implicitly denied. Actions match without
// regard to case, resources with it; `*` and `?` are wildcards in both. Conditions cover the
// operators a least-privilege stack uses (the String and Null families, with ForAllValues /
// ForAnyValue and IfExists). A condition this cannot decide (an operator it does not know, a
// single-valued operator given several values, whose result IAM leaves undefined) never lets an
// Allow apply and never keeps a Deny from applying: the sim can be stricter than AWS, never looser.

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
  /** Whether the condition holds; undefined when this evaluator cannot tell. */
  test(context: ReadonlyMap<string, readonly string[]>): boolean | undefined;
}

export interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  matchesAction(action: string): boolean;
  matchesResource(resource: string): boolean;
  conditions: CompiledCondition[];
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

const UNDECIDABLE: CompiledCondition = { test: () => undefined };

function valuesOf(context: ReadonlyMap<string, readonly string[]>, key: string): readonly string[] | undefined {
  const values = context.get(key);
  return values === undefined || values.length === 0 ? undefined : values;
}

function compileCondition(operatorName: string, key: string, policyValues: string[]): CompiledCondition {
  const contextKey = key.toLowerCase();
  if (operatorName === 'Null') {
    // Null: true means "the key is absent", false "the key is present".
    const wantsAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
    return { test: (context) => (valuesOf(context, contextKey) === undefined) === wantsAbsent };
  }
  let operator = operatorName;
  let set: 'all' | 'any' | undefined;
  if (operator.startsWith('ForAllValues:')) [set, operator] = ['all', operator.slice('ForAllValues:'.length)];
  else if (operator.startsWith('ForAnyValue:')) [set, operator] = ['any', operator.slice('ForAnyValue:'.length)];
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  const comparison = Object.hasOwn(STRING_COMPARISONS, operator) ? STRING_COMPARISONS[operator] : undefined;
  if (!comparison) return UNDECIDABLE;
  const matchers = policyValues.map(comparison.matcher);
  // A negated operator holds when the value matches none of the policy's values.
  const holdsFor = (value: string) => matchers.some((matches) => matches(value)) !== comparison.negated;
  return {
    test(context) {
      const values = valuesOf(context, contextKey);
      // ForAllValues holds for a key the request does not have (IAM's documented trap).
      if (set === 'all') return values === undefined || values.every(holdsFor);
      if (set === 'any') return values !== undefined && values.some(holdsFor);
      if (values === undefined) return ifExists || comparison.negated;
      return values.length === 1 ? holdsFor(values[0]!) : undefined;
    },
  };
}

export function compileStatement(statement: PolicyStatement): CompiledStatement {
  const effect = statement.Effect === 'Deny' ? 'Deny' : 'Allow';
  const actions = anyOf(asList(statement.Action ?? statement.NotAction), true);
  const resources = anyOf(asList(statement.Resource ?? statement.NotResource ?? '*'), false);
  const conditions = Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) =>
    Object.entries(keys ?? {}).map(([key, values]) => compileCondition(operator, key, asList(values))));
  return {
    effect,
    matchesAction: statement.NotAction !== undefined ? (action) => !actions(action) : actions,
    matchesResource: statement.NotResource !== undefined ? (resource) => !resources(resource) : resources,
    conditions,
  };
}

/** IAM's decision for one request against a principal's statements. */
export function evaluate(statements: readonly CompiledStatement[], request: AuthorizationRequest): Decision {
  const context = new Map(Object.entries(request.context ?? {}).map(([key, values]) => [key.toLowerCase(), values]));
  let allowed = false;
  for (const statement of statements) {
    if (!statement.matchesAction(request.action) || !statement.matchesResource(request.resource)) continue;
    const outcomes = statement.conditions.map((condition) => condition.test(context));
    if (statement.effect === 'Deny' && !outcomes.includes(false)) return 'explicit-deny';
    if (statement.effect === 'Allow' && outcomes.every((outcome) => outcome === true)) allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
