// Types of refusals.js for the TypeScript that imports it (the Node tests).
export const REFUSAL_MESSAGES: Record<string, string>;
export function describeRefusal(reason: string): string;
export function describeError(error: unknown): string;
export function needsAnotherPhoto(refusal: { kind: string; reason?: string }): boolean;
export function describeCameraProblem(error: unknown): string;
