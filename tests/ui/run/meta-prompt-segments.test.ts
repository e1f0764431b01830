// Meta-prompt pieces for display: joined they are the text exactly; the references DMU injected are the 'reference'
// pieces, even when a reference holds markup, the header text or a number prefix of its own.
import { describe, expect, it } from 'vitest';
import { REFERENCES_HEADER, buildMetaPrompt } from '../../../src/gflow/meta-prompt';
import { metaPromptSegments } from '../../../src/ui/run/meta-prompt-segments';

const validation = [
  { input: '2 3', output: '5' },
  { input: '<img src=x onerror=alert(1)>', output: '<script>alert(1)</script>' },
];
const task = { name: 'test', splits: { train: [], validation, test: [] } };

describe('metaPromptSegments', () => {
  it('is one text piece without references', () => {
    const m = buildMetaPrompt(task, [0, 1]);
    expect(metaPromptSegments(m)).toEqual([{ kind: 'text', text: m.text }]);
  });

  it('marks each reference and joins back to the text', () => {
    const references = ['Add **both** numbers', '<script>alert("x")</script>', `2. tricky${REFERENCES_HEADER.trim()}`];
    const m = buildMetaPrompt(task, [1, 0], references);
    const segments = metaPromptSegments(m);
    expect(segments.map((s) => s.text).join('')).toBe(m.text);
    expect(segments.filter((s) => s.kind === 'reference').map((s) => s.text)).toEqual(m.references);
    expect(m.references[0]).toBe('Add both numbers'); // cleaned by buildMetaPrompt
    expect(segments.filter((s) => s.kind === 'references-header')).toHaveLength(1);
  });

  it('falls back to plain text when the references are not where the text says', () => {
    const m = buildMetaPrompt(task, [0], ['first']);
    const tampered = { text: m.text.replace('1. first', '1. other'), references: m.references };
    expect(metaPromptSegments(tampered)).toEqual([{ kind: 'text', text: tampered.text }]);
  });
});
