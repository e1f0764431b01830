// Splits a meta-prompt's text into labelled pieces for display: the header, the demonstrations, the reference
// block's header and each reference DMU injected (so the view can highlight them). Pure; the pieces, joined,
// are the text exactly, whatever it holds (no piece is ever interpreted as markup).
import { type MetaPrompt, REFERENCES_HEADER } from '../../gflow/meta-prompt';

export type SegmentKind = 'text' | 'references-header' | 'reference';

export interface Segment {
  kind: SegmentKind;
  text: string;
}

/**
 * The reference block is the last REFERENCES_HEADER of the text followed by the numbered references of
 * `metaPrompt.references` in order; when the text does not hold them in that shape, all of it is one 'text' piece.
 */
export function metaPromptSegments(metaPrompt: Pick<MetaPrompt, 'text' | 'references'>): Segment[] {
  const { text, references } = metaPrompt;
  const at = references.length > 0 ? text.lastIndexOf(REFERENCES_HEADER) : -1;
  if (at < 0) return [{ kind: 'text', text }];
  const segments: Segment[] = [];
  if (at > 0) segments.push({ kind: 'text', text: text.slice(0, at) });
  segments.push({ kind: 'references-header', text: REFERENCES_HEADER });
  let cursor = at + REFERENCES_HEADER.length;
  for (let i = 0; i < references.length; i++) {
    const label = `${i + 1}. `;
    const reference = references[i]!;
    if (!text.startsWith(label + reference, cursor)) return [{ kind: 'text', text }];
    segments.push({ kind: 'text', text: label });
    segments.push({ kind: 'reference', text: reference });
    cursor += label.length + reference.length;
    const end = text.indexOf('\n', cursor);
    const stop = end < 0 ? text.length : end + 1;
    if (stop > cursor) segments.push({ kind: 'text', text: text.slice(cursor, stop) });
    cursor = stop;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}
