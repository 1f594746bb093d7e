/**
 * The edits a person makes to the ARM simulator of `npm start` (`PUT`/`DELETE /_sim/resources/...`,
 * `POST /_sim/reset`), kept in the data folder so that they survive a restart: one JSON line per
 * edit, appended as it is made, applied again over the demo organization at the next start.
 * Faults, SKU lists and scale sets are not kept. Removing the file returns to the demo as seeded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArmSimulator, SimulatorEdit } from './arm-simulator.js';

/** The file, in `npm start`'s data folder (LOCAL_DATA_DIR, default .data). */
export const SIMULATOR_EDITS_FILE = 'arm-simulator-edits.jsonl';

/** An onEdit hook for the simulator that appends each edit to `file`. */
export function keepEdits(file: string): (edit: SimulatorEdit) => void {
  return (edit) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${JSON.stringify(edit)}\n`);
  };
}

/**
 * Applies the edits kept in `file` to the simulator, in order. Returns how many were applied and
 * how many were skipped (an unreadable line, a resource whose parent is gone).
 */
export function applyKeptEdits(sim: ArmSimulator, file: string): { applied: number; skipped: number } {
  if (!fs.existsSync(file)) return { applied: 0, skipped: 0 };
  let applied = 0;
  let skipped = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const edit = JSON.parse(line) as SimulatorEdit;
      if (edit.op === 'put') sim.put(edit.resource);
      else if (edit.op === 'delete') sim.delete(edit.id);
      else if (edit.op === 'reset') sim.clear();
      else throw new Error('unknown edit');
      applied++;
    } catch {
      skipped++;
    }
  }
  return { applied, skipped };
}
