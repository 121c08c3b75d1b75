// Notices: what the user must be told that is not the answer to a request. Start-up recovery
// writes most of them (before any window exists), so they are kept until dismissed and sent as an
// `app.notice` event to windows already connected.
import { randomBytes } from 'node:crypto';
import type { Emit, Notice } from '../contract.js';
import type { LoadReport, StoredJob } from './journal.js';

export class Notices {
  #list: Notice[] = [];
  readonly #emit: Emit;

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  add(n: Omit<Notice, 'id' | 'time'>): Notice {
    const notice: Notice = { ...n, id: `n${Date.now().toString(36)}${randomBytes(3).toString('hex')}`, time: Date.now() };
    this.#list.push(notice);
    this.#emit('app.notice', notice);
    return notice;
  }

  list(): Notice[] {
    return [...this.#list];
  }

  dismiss(id: string): boolean {
    const before = this.#list.length;
    this.#list = this.#list.filter((n) => n.id !== id);
    return this.#list.length < before;
  }
}

/** How a transfer is named in a notice: "copy of photos (and 2 more) to /media/usb". */
export function jobLabel(j: Pick<StoredJob, 'kind' | 'sources' | 'destDir'>): string {
  const first = j.sources[0] ? j.sources[0].slice(j.sources[0].lastIndexOf('/') + 1) : '?';
  const more = j.sources.length > 1 ? ` (and ${j.sources.length - 1} more)` : '';
  return `${j.kind === 'move' ? 'move' : 'copy'} of ${first}${more} to ${j.destDir}`;
}

/**
 * The notice for what loading the queue found, or null when there is nothing to say (a clean
 * start; a job merely interrupted by a restart is shown in the queue itself).
 */
export function recoveryNotice(r: LoadReport, interrupted: readonly StoredJob[], total: number): Omit<Notice, 'id' | 'time'> | null {
  if (r.damaged.length === 0 && r.badLines === 0 && r.lost.length === 0) return null;
  const queueHit = r.badLines > 0 || r.lost.length > 0 || r.damaged.some((d) => d.file.startsWith('queue.'));
  if (!queueHit) {
    // Only other files (settings, a file where the logs folder should be): the queue is fine.
    return {
      level: 'warning',
      title: 'A damaged file in Ferry’s data folder was set aside',
      message: 'Ferry could not read it and kept it under another name instead of overwriting it; defaults are used in its place. The transfer queue was not affected.',
      details: r.damaged.map((d) => `${d.file}: ${d.error}; kept as ${d.keptAs}`),
    };
  }
  const details: string[] = [];
  for (const d of r.damaged) details.push(`${d.file}: ${d.error}; kept as ${d.keptAs}`);
  if (r.badLines > 0) details.push(`${r.badLines} unreadable ${r.badLines === 1 ? 'line was' : 'lines were'} skipped`);
  for (const j of interrupted) details.push(`recovered, ready to resume: ${jobLabel(j)}`);
  for (const l of r.lost) details.push(`not recovered (its list of sources was lost): transfer ${l.id}${l.destDir ? ` to ${l.destDir}` : ''}${l.state ? `, last ${l.state}` : ''}`);
  const from = { snapshot: 'the queue file', previous: 'the previous copy of the queue file and the journal', journal: 'the journal', empty: null }[r.source];
  const lost = r.lost.length;
  const rebuilt = from
    ? `Ferry rebuilt its queue from ${from}: ${total} ${total === 1 ? 'transfer' : 'transfers'} recovered` + (interrupted.length ? `, ${interrupted.length} of them interrupted (resume them in the queue)` : '') + '.'
    : 'Ferry found nothing to rebuild its queue from: it starts empty.';
  return {
    level: lost > 0 || !from ? 'error' : 'warning',
    title: lost > 0 ? `The transfer queue was damaged: ${lost} ${lost === 1 ? 'transfer' : 'transfers'} could not be recovered` : from ? 'The transfer queue was damaged and has been recovered' : 'The transfer queue was damaged and could not be recovered',
    message:
      `${rebuilt} Damaged files were kept, not overwritten.` +
      (lost > 0 || !from ? ' Transfers that were not recovered may have copied part of their files: check their destinations.' : ''),
    details,
  };
}
