// Files from a drop: plain files as they are, dropped folders walked recursively (FileSystemEntry API), each file
// given its path inside the drop as webkitRelativePath, as a folder picker would. DOM only; reads no contents.

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, path: string, out: File[]): Promise<void> {
  if (entry.isFile) {
    const file = await fileOf(entry as FileSystemFileEntry);
    Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
    out.push(file);
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, `${path}/${child.name}`, out);
    }
  }
}

/** Every file of a drop, folders included (their files carry 'folder/sub/name' paths). */
export async function droppedFiles(data: DataTransfer | null): Promise<File[]> {
  if (!data) return [];
  const entries = [...data.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return [...data.files];
  const out: File[] = [];
  for (const entry of entries) await walk(entry, entry.name, out);
  return out;
}
