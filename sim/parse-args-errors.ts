// node:util parseArgs' refusals, for the kit's commands: its message for an unknown option advises
// passing it as a positional argument after '--', which none of these commands takes, so that
// advice would only lead to another refusal.

/** `message` without parseArgs' advice about positional arguments. */
export function withoutPositionalAdvice(message: string): string {
  return message.split('. To specify a positional argument')[0]!;
}
