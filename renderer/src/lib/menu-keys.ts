// Moving through a menu's items with the keyboard (the context menu, places): ArrowDown and
// ArrowUp wrap around, Home and End go to the ends.

/** The item `key` moves to from item `at` (-1: none focused) among `n` (-1: there is none); null when `key` does not move. */
export function menuStep(key: string, at: number, n: number): number | null {
  if (n === 0) return key === 'ArrowDown' || key === 'ArrowUp' || key === 'Home' || key === 'End' ? -1 : null;
  if (key === 'ArrowDown') return (at + 1) % n;
  if (key === 'ArrowUp') return (at - 1 + n) % n;
  if (key === 'Home') return 0;
  if (key === 'End') return n - 1;
  return null;
}
