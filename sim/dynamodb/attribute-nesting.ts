// DynamoDB's limit on how deep attribute values nest (maps and lists), checked before a request
// reaches dynalite. dynalite has no such limit, and its validation recurses once per level: an
// item nested a few thousand levels deep overflowed the stack and came back as a 500, which
// clients retry. AWS refuses such a request with a 400 ValidationException.

/**
 * Boundary as captured against AWS (nubo-db/dynoxide#110, eu-west-2, 2026-06): a top-level
 * attribute value counts as level 1; 31 map wraps around a scalar (the scalar at level 32) are
 * accepted, 32 wraps are refused, with lists counting as maps.
 */
export const MAX_ATTRIBUTE_NESTING_LEVELS = 32;

export const NESTING_LIMIT_MESSAGE =
  'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

/**
 * Where each operation carries attribute values, as paths from the request's root: `*` is every
 * member of a map or list; the path ends at a map of attribute values (`Item`, `Key`, ...) or, for
 * a path ending in `=`, at one attribute value. The shapes are those of DynamoDB's API (and of
 * dynalite's validations): other members hold no attribute values. Transactions and PartiQL are
 * left out because dynalite does not serve them (it refuses them before reading the body).
 */
const EXPECTED = [['Expected', '*', 'Value='], ['Expected', '*', 'AttributeValueList', '*=']];
const ATTRIBUTE_VALUE_PATHS: Record<string, string[][]> = {
  PutItem: [['Item'], ['ExpressionAttributeValues'], ...EXPECTED],
  UpdateItem: [['Key'], ['AttributeUpdates', '*', 'Value='], ['ExpressionAttributeValues'], ...EXPECTED],
  DeleteItem: [['Key'], ['ExpressionAttributeValues'], ...EXPECTED],
  GetItem: [['Key']],
  Query: [['ExclusiveStartKey'], ['KeyConditions', '*', 'AttributeValueList', '*='],
    ['QueryFilter', '*', 'AttributeValueList', '*='], ['ExpressionAttributeValues']],
  Scan: [['ExclusiveStartKey'], ['ScanFilter', '*', 'AttributeValueList', '*='], ['ExpressionAttributeValues']],
  BatchGetItem: [['RequestItems', '*', 'Keys', '*']],
  BatchWriteItem: [['RequestItems', '*', '*', 'PutRequest', 'Item'], ['RequestItems', '*', '*', 'DeleteRequest', 'Key']],
};

/** True when an attribute value of the request nests deeper than DynamoDB allows. */
export function nestsTooDeep(operation: string, request: Record<string, unknown>): boolean {
  return attributeValuesOf(operation, request).some(exceedsNestingLimit);
}

/** Every attribute value the operation's request carries at its top (see ATTRIBUTE_VALUE_PATHS). */
function attributeValuesOf(operation: string, request: Record<string, unknown>): unknown[] {
  const paths = Object.hasOwn(ATTRIBUTE_VALUE_PATHS, operation) ? ATTRIBUTE_VALUE_PATHS[operation]! : [];
  return paths.flatMap((path) => attributeValuesAt(request, path));
}

/** The attribute values a path designates (see ATTRIBUTE_VALUE_PATHS); malformed parts are skipped. */
function attributeValuesAt(request: unknown, path: string[]): unknown[] {
  let nodes: unknown[] = [request];
  for (const step of path) {
    const name = step.endsWith('=') ? step.slice(0, -1) : step;
    nodes = nodes.flatMap((node) => (name === '*' ? membersOf(node) : childOf(node, name)));
  }
  // A path not ending in `=` names a map whose members are the attribute values.
  return path.at(-1)!.endsWith('=') ? nodes : nodes.flatMap(membersOf);
}

function membersOf(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  return isPlainObject(node) ? Object.values(node) : [];
}

function childOf(node: unknown, name: string): unknown[] {
  return isPlainObject(node) && Object.hasOwn(node, name) ? [node[name]] : [];
}

/**
 * Walks one attribute value with an explicit stack, not recursion, and stops at the first value
 * past the limit: a body nested 100,000 levels deep must not overflow the stack here either.
 */
function exceedsNestingLimit(attributeValue: unknown): boolean {
  const pending: Array<{ value: unknown; level: number }> = [{ value: attributeValue, level: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.level > MAX_ATTRIBUTE_NESTING_LEVELS) return true;
    if (!isPlainObject(next.value)) continue;
    const { M: map, L: list } = next.value;
    const members = Array.isArray(list) ? list : isPlainObject(map) ? Object.values(map) : [];
    for (const value of members) pending.push({ value, level: next.level + 1 });
  }
  return false;
}

/** DynamoDB's answer to an empty attribute value (`{}`, as dynalite words it too). */
export const EMPTY_ATTRIBUTE_VALUE_MESSAGE = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
/** The kit's words for a set with a null member: what DynamoDB answers was not found. */
export const NULL_SET_MEMBER_MESSAGE = 'One or more parameter values were invalid: A set may not contain a null element';

/** Members of these maps are structures (conditions, updates, a table's requests): never null. */
const MAPS_OF_STRUCTURES: Record<string, string[]> = {
  PutItem: ['Expected'],
  UpdateItem: ['Expected', 'AttributeUpdates'],
  DeleteItem: ['Expected'],
  Query: ['KeyConditions', 'QueryFilter'],
  Scan: ['ScanFilter'],
  BatchGetItem: ['RequestItems'],
  BatchWriteItem: ['RequestItems'],
};

/**
 * The refusal of a JSON null where an attribute value, a set member or a structure belongs, or
 * undefined. dynalite answered these with a 500 (a TypeError in its validation), which SDKs retry,
 * and a set with a null member in an UpdateItem ended the kit's process (a TypeError thrown in a
 * `setImmediate`, which nothing catches), every service with it (a fuzzing audit, 2026-12-03).
 * Run after `nestsTooDeep`, so the walk is bounded.
 */
export function nullMemberRefusal(operation: string, request: Record<string, unknown>): string | undefined {
  for (const name of Object.hasOwn(MAPS_OF_STRUCTURES, operation) ? MAPS_OF_STRUCTURES[operation]! : []) {
    const map = request[name];
    if (!isPlainObject(map)) continue;
    for (const [key, member] of Object.entries(map)) {
      // BatchWriteItem's tables map to lists of write requests.
      const nullAt = member === null ? key : Array.isArray(member) && member.includes(null) ? `${key}.member` : undefined;
      if (nullAt !== undefined) return `1 validation error detected: Value null at '${lowerFirst(name)}.${nullAt}' failed to satisfy constraint: Member must not be null`;
    }
  }
  const pending = attributeValuesOf(operation, request);
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null) return EMPTY_ATTRIBUTE_VALUE_MESSAGE;
    if (!isPlainObject(value)) continue;
    for (const set of [value.SS, value.NS, value.BS]) {
      if (Array.isArray(set) && set.includes(null)) return NULL_SET_MEMBER_MESSAGE;
    }
    if (Array.isArray(value.L)) pending.push(...value.L);
    if (isPlainObject(value.M)) pending.push(...Object.values(value.M));
  }
  return undefined;
}

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
