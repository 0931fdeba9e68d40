// Bounds on the expressions dynalite parses, checked before a request reaches it. dynalite's
// condition parser (pegjs output without memoization) backtracks through every parenthesized
// group, so its time grows exponentially with how deep groups nest (about 4 times per level:
// 0.1 s at 5 levels, 3 s at 7, 38 s at 9 on the kit's machine), on the main thread. A
// ConditionExpression of 100 nested parentheses (300 bytes in one PutItem) never came back and
// froze every service of the kit; so does a long one made of many shallower groups, as dynalite
// has no size limit either.
//
// Two checks: DynamoDB's own 4 KB limit on every expression (its message, captured on AWS by
// others: "Invalid FilterExpression: Expression size has exceeded the maximum allowed size;
// expression size: 4109"), which bounds the work linearly; and a limit on nesting that is the
// kit's, not DynamoDB's, worded as such. The kit's handlers nest one group at most.

/** DynamoDB's limit on the length of any expression string, in bytes as sent. */
export const MAX_EXPRESSION_BYTES = 4096;
/** Levels of parentheses, a function call's own included, that a condition expression may nest. */
export const MAX_CONDITION_PARENTHESES_DEPTH = 5;

const EXPRESSION_MEMBERS = ['ConditionExpression', 'FilterExpression', 'KeyConditionExpression', 'UpdateExpression', 'ProjectionExpression'];
/** The members dynalite reads with its condition parser; the update and projection parsers are linear. */
const CONDITION_MEMBERS = new Set(['ConditionExpression', 'FilterExpression', 'KeyConditionExpression']);

/** How deep parentheses nest in `expression` (unbalanced ones count as they open). */
function parenthesesDepth(expression: string): number {
  let depth = 0;
  let deepest = 0;
  for (const char of expression) {
    if (char === '(') deepest = Math.max(deepest, ++depth);
    else if (char === ')') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

/** Why the request's expressions are refused before dynalite parses them, or undefined. */
export function expressionRefusal(request: Record<string, unknown>): string | undefined {
  for (const member of EXPRESSION_MEMBERS) {
    const expression = Object.hasOwn(request, member) ? request[member] : undefined;
    if (typeof expression !== 'string') continue;
    const size = Buffer.byteLength(expression);
    if (size > MAX_EXPRESSION_BYTES) {
      return `Invalid ${member}: Expression size has exceeded the maximum allowed size; expression size: ${size}`;
    }
    if (CONDITION_MEMBERS.has(member) && parenthesesDepth(expression) > MAX_CONDITION_PARENTHESES_DEPTH) {
      return conditionNestingMessage(member);
    }
  }
  return undefined;
}

export function conditionNestingMessage(member: string): string {
  return `Invalid ${member}: parentheses nest deeper than ${MAX_CONDITION_PARENTHESES_DEPTH} levels, ` +
    "the most the local DynamoDB (dynalite) parses in reasonable time; this limit is the kit's, not DynamoDB's";
}
