// Placeholder: replaced by the handler implementation.
export const handler = async (event: unknown) => event;
