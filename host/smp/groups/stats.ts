/**
 * Statistics group (2) client, as Zephyr's stat_mgmt answers it (Zephyr smp_group_2.rst): the
 * names of the board's statistics groups (command 1) and one group's counters (command 0,
 * `{"name"}` -> `{"name", "fields": {counter: uint}}`). Zephyr's counters only grow while the
 * firmware runs and start again from zero at boot, so a counter that went back shows that the
 * board restarted (host/smp/reboot.ts uses it where nothing else can show a reset).
 */
import { isMap, text } from '../fields.js';
import type { RequestOptions, SmpRequester } from '../client.js';
import { SmpErrorResponse } from '../errors.js';
import { GroupId } from '../ids.js';

const StatCmd = { GROUP_DATA: 0, LIST: 1 } as const;

/** Bounds on what is read from a board: a hostile one gets no more than this many requests and counters. */
const MAX_GROUPS = 8;
const MAX_COUNTERS = 256;

/** Counters as `group.field` -> value, from at most 8 groups and 256 counters. */
export type StatCounters = Map<string, number>;

async function statGroupNames(c: SmpRequester, options?: RequestOptions): Promise<string[]> {
  const r = await c.read(GroupId.STATS, StatCmd.LIST, {}, options);
  const list = r['stat_list'];
  if (!Array.isArray(list)) return [];
  return list.filter((n): n is string => typeof n === 'string').slice(0, MAX_GROUPS);
}

/**
 * Every counter of the board's statistics groups. Throws the board's error answer to the list
 * (rc 8: no stat group); a group the board cannot answer for (rc 7: its counters do not fit the
 * board's buffer, as flash_sim_stats on the QEMU peer) is left out.
 */
export async function readStatCounters(c: SmpRequester, options?: RequestOptions): Promise<StatCounters> {
  const out: StatCounters = new Map();
  for (const name of await statGroupNames(c, options)) {
    let r;
    try {
      r = await c.read(GroupId.STATS, StatCmd.GROUP_DATA, { name }, options);
    } catch (e) {
      if (e instanceof SmpErrorResponse) continue;
      throw e;
    }
    const fields = r['fields'];
    text(r, 'name', `stat group ${name} answer`);
    if (!isMap(fields)) continue;
    for (const [k, v] of Object.entries(fields)) {
      if (out.size >= MAX_COUNTERS) return out;
      if (typeof v === 'number' && Number.isSafeInteger(v)) out.set(`${name}.${k}`, v);
    }
  }
  return out;
}

/** The first counter that went back from `before` to `after`, as `group.field a -> b`. */
export function counterWentBack(before: StatCounters, after: StatCounters): string | undefined {
  for (const [k, a] of before) {
    const b = after.get(k);
    if (b !== undefined && b < a) return `${k} ${a} -> ${b}`;
  }
  return undefined;
}
