// Resolves the CloudFormation intrinsic functions a CDK template uses (Ref, Fn::GetAtt, Fn::Join,
// Fn::Sub, Fn::Select, Fn::Split) against the emulated resources' physical names.

export interface ResolvedResource {
  /** What `Ref` returns (a name or an id, depending on the type). */
  ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  attributes: Record<string, string>;
}

export interface IntrinsicContext {
  region: string;
  accountId: string;
  stackName: string;
  resources: Map<string, ResolvedResource>;
}

export class UnresolvableError extends Error {}

export function pseudoParameter(name: string, context: IntrinsicContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NoValue':
      return undefined;
    default:
      return undefined;
  }
}

function ref(name: string, context: IntrinsicContext): string {
  const pseudo = pseudoParameter(name, context);
  if (pseudo !== undefined) return pseudo;
  const resource = context.resources.get(name);
  if (!resource) throw new UnresolvableError(`cannot resolve Ref ${name}`);
  return resource.ref;
}

function getAtt(logicalId: string, attribute: string, context: IntrinsicContext): string {
  const resource = context.resources.get(logicalId);
  const value = resource?.attributes[attribute];
  if (value === undefined) throw new UnresolvableError(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
  return value;
}

function sub(template: string, variables: Record<string, unknown>, context: IntrinsicContext): string {
  return template.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
    if (name in variables) return String(resolve(variables[name], context));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(name.slice(0, dot), name.slice(dot + 1), context);
    return ref(name, context);
  });
}

/** Resolves every intrinsic inside `value`; throws UnresolvableError for references it cannot follow. */
export function resolve(value: unknown, context: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, context));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    switch (key) {
      case 'Ref':
        return ref(String(argument), context);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return getAtt(String(logicalId), String(attribute), context);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolve(parts, context) as unknown[]).join(separator);
      }
      case 'Fn::Sub':
        return Array.isArray(argument)
          ? sub(String(argument[0]), argument[1] as Record<string, unknown>, context)
          : sub(String(argument), {}, context);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolve(list, context) as unknown[])[Number(resolve(index, context))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(resolve(text, context)).split(separator);
      }
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolve(item, context)]));
}
