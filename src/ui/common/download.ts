// Saves text or bytes as a file the browser downloads (an object URL on a temporary <a download>), and reads
// back a file the user picked. The only DOM helper the views share for files.

export function downloadFile(name: string, content: string | Uint8Array | Blob, type = 'application/octet-stream'): void {
  const blob = content instanceof Blob ? content : new Blob([content as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started once click() returns; revoke on the next task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file name from free text: letters, digits, '-', '_' and '.' only. */
export function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'file';
}
