// Moving between the window's regions by keyboard (like F6 in a browser): the left pane, the right
// pane and the transfers area (queue, log, settings). In a pane, Tab and Shift+Tab go to the next
// and previous region (from the left pane, Tab still goes to the right one); inside the transfers
// area Tab walks its controls and, past the last one, goes on to the left pane (Shift+Tab before
// the first one, to the right pane). Ctrl+J goes to the transfers area and, pressed there, back to
// the pane it came from; Escape in the transfers area goes back too. Each region remembers where
// its focus was. Plain DOM, no Svelte: installed once by the App.
export type Region = 'left' | 'right' | 'transfers';
const ORDER: Region[] = ['left', 'right', 'transfers'];

const TRANSFERS = '.transfers';
let lastPane: 'left' | 'right' = 'left';
let lastInTransfers: HTMLElement | null = null;

/** The region an element is in, or null (a dialog, the function-key bar). */
export function regionOf(el: Element | null): Region | null {
  if (!el) return null;
  if (el.closest('dialog')) return null;
  const pane = el.closest('[data-pane]')?.getAttribute('data-pane');
  if (pane === 'left' || pane === 'right') return pane;
  if (el.closest(TRANSFERS)) return 'transfers';
  return null;
}

/** Tab stops inside `root`, in order (visible, enabled, not taken out of the tab order). */
export function tabStops(root: Element): HTMLElement[] {
  const sel = 'a[href], button, input, select, textarea, [tabindex]';
  return [...root.querySelectorAll<HTMLElement>(sel)].filter((el) => {
    if ((el as HTMLButtonElement).disabled || el.tabIndex < 0) return false;
    if (el.closest('[hidden], [inert]')) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  });
}

/** Puts the focus in a region: a pane's list, or where it last was in the transfers area. */
export function focusRegion(r: Region): void {
  if (r === 'left' || r === 'right') {
    document.querySelector<HTMLElement>(`[data-pane="${r}"] .grid`)?.focus();
    return;
  }
  const area = document.querySelector<HTMLElement>(TRANSFERS);
  if (!area) return;
  const back = lastInTransfers && area.contains(lastInTransfers) && lastInTransfers.tabIndex >= 0 ? lastInTransfers : null;
  (back ?? area.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]') ?? tabStops(area)[0] ?? area).focus();
}

/** The next (dir 1) or previous (-1) region after `from`. */
export function nextRegion(from: Region, dir: 1 | -1): Region {
  return ORDER[(ORDER.indexOf(from) + dir + ORDER.length) % ORDER.length]!;
}

export function cycleRegion(from: Region, dir: 1 | -1): void {
  focusRegion(nextRegion(from, dir));
}

/** Ctrl+J: into the transfers area, or (from there) back to the pane. */
export function toggleTransfers(): void {
  if (regionOf(document.activeElement) === 'transfers') focusRegion(lastPane);
  else focusRegion('transfers');
}

function editable(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !['checkbox', 'radio', 'button', 'submit'].includes((el as HTMLInputElement).type);
  return (el as HTMLElement).isContentEditable;
}

/** Installs the window's region keys; returns the function that removes them. */
export function installRegionKeys(): () => void {
  const onfocusin = (e: FocusEvent) => {
    const el = e.target as HTMLElement;
    const r = regionOf(el);
    if (r === 'left' || r === 'right') lastPane = r;
    else if (r === 'transfers') lastInTransfers = el;
  };
  const onkeydown = (e: KeyboardEvent) => {
    if (document.querySelector('dialog[open]')) return;
    // Focus left nowhere (the element that had it went away): the key goes to the pane last used,
    // so the commander keys never silently do nothing.
    const nowhere = !document.activeElement || document.activeElement === document.body;
    if (nowhere && e.isTrusted && !['Shift', 'Control', 'Alt', 'Meta'].includes(e.key)) {
      const grid = document.querySelector<HTMLElement>(`[data-pane="${lastPane}"] .grid`);
      if (grid) {
        grid.focus();
        const again = new KeyboardEvent('keydown', {
          key: e.key, code: e.code, location: e.location, repeat: e.repeat,
          ctrlKey: e.ctrlKey, altKey: e.altKey, shiftKey: e.shiftKey, metaKey: e.metaKey,
          bubbles: true, cancelable: true,
        });
        if (!grid.dispatchEvent(again)) e.preventDefault();
        e.stopPropagation();
        return;
      }
    }
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'j') {
      e.preventDefault();
      e.stopPropagation();
      toggleTransfers();
      return;
    }
    const active = document.activeElement;
    if (regionOf(active) !== 'transfers' || e.defaultPrevented) return;
    if (e.key === 'Tab' && !ctrl && !e.altKey) {
      const area = document.querySelector(TRANSFERS);
      const stops = area ? tabStops(area) : [];
      const i = stops.indexOf(active as HTMLElement);
      if (e.shiftKey ? i <= 0 : i === stops.length - 1 || i < 0) {
        e.preventDefault();
        focusRegion(e.shiftKey ? 'right' : 'left');
      }
    }
  };
  window.addEventListener('focusin', onfocusin);
  window.addEventListener('keydown', onkeydown, true);
  const onbubble = (e: KeyboardEvent) => {
    // Escape, when nothing inside the transfers area used it (a record's details close first).
    const active = document.activeElement;
    if (e.key === 'Escape' && !e.defaultPrevented && regionOf(active) === 'transfers' && !editable(active) && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      focusRegion(lastPane);
    }
  };
  window.addEventListener('keydown', onbubble);
  return () => {
    window.removeEventListener('focusin', onfocusin);
    window.removeEventListener('keydown', onkeydown, true);
    window.removeEventListener('keydown', onbubble);
  };
}
