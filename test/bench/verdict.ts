// The closing table of `npm run bench`: one row per target of issues 14 and 10, with the figure
// measured in this run and the verdict.
export interface Verdict {
  row: string;
  figure: string;
  target: string;
  verdict: string;
}

/** "met", or "MISSED (by how much)". */
export const judge = (ok: boolean, by?: string): string => (ok ? 'met' : `MISSED${by ? ` (${by})` : ''}`);

/** Says each row on stderr as soon as it is measured: a run stopped early still shows what it found. */
export function noteVerdicts(rows: readonly Verdict[]): void {
  for (const r of rows) process.stderr.write(`  = ${r.row}: ${r.figure} (target ${r.target}) → ${r.verdict}\n`);
}

export function printVerdicts(rows: readonly Verdict[]): void {
  if (!rows.length) return;
  const head = ['target row', 'measured', 'target', 'verdict'];
  const body = rows.map((r) => [r.row, r.figure, r.target, r.verdict]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  console.log('\nTargets (issues 14 and 10), this run:');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const b of body) console.log(line(b));
}
