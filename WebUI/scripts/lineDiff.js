// Line diff (longest common subsequence) between two versions of a script.

/** Returns [{ kind: 'same'|'add'|'del', text, oldLine?, newLine? }]. Quadratic; scripts are small. */
export function diffLines(oldText, newText) {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  if (a.length * b.length > 4_000_000) return [{ kind: 'del', text: '(too large to compare)' }];
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push({ kind: 'same', text: a[i], oldLine: i + 1, newLine: j + 1 }); i++; j++; }
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push({ kind: 'add', text: b[j], newLine: j + 1 }); j++; }
    else { out.push({ kind: 'del', text: a[i], oldLine: i + 1 }); i++; }
  }
  return out;
}
