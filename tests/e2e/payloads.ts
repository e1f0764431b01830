// Markup a page must show as text and never run: each payload sets window.__xss if it ever executes.
export const XSS_PAYLOADS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">', '<svg onload="window.__xss=3">', '<b onmouseover="window.__xss=4">hi</b>'];
