// An error as the page shows it: comlink carries only name, message and stack across the worker boundary, so
// the views keep name and message as plain text. No DOM.

export interface ShownError {
  name: string;
  message: string;
}

export function toShownError(error: unknown): ShownError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  if (error && typeof error === 'object' && 'message' in error) return { name: String((error as { name?: unknown }).name ?? 'Error'), message: String((error as { message: unknown }).message) };
  return { name: 'Error', message: String(error) };
}
