/**
 * The boards a campaign or a run names (DESIGN.md "Lab service": `boards: [names] | tag`): the
 * names as given, each checked to exist (with the closest known name when it does not), or
 * every board with the tag, by name.
 */
import { closest } from '../../../host/util/did-you-mean.js';
import type { Sql } from '../db/database.js';
import { StoreRefusal } from './errors.js';

export interface BoardSelector {
  boards?: string[];
  tag?: string;
}

export async function selectBoards(db: Sql, r: BoardSelector, max: number): Promise<string[]> {
  if ((r.boards === undefined) === (r.tag === undefined)) throw new StoreRefusal('invalid', "give the boards either by name ('boards': [...]) or by tag ('tag': ...), not both or neither");
  let names: string[];
  if (r.tag !== undefined) {
    names = (await db.query<{ name: string }>('SELECT name FROM boards WHERE $1 = ANY(tags) ORDER BY name', [r.tag])).map((x) => x.name);
    if (names.length === 0) throw new StoreRefusal('invalid', `no board has the tag '${r.tag}'`);
  } else {
    names = r.boards!;
    if (names.length === 0) throw new StoreRefusal('invalid', "'boards' is empty: name at least one board");
    const dup = names.find((b, i) => names.indexOf(b) !== i);
    if (dup !== undefined) throw new StoreRefusal('invalid', `board '${dup}' is named twice`);
    const known = new Set((await db.query<{ name: string }>('SELECT name FROM boards WHERE name = ANY($1::text[])', [names])).map((x) => x.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      const all = (await db.query<{ name: string }>('SELECT name FROM boards ORDER BY name LIMIT 10000')).map((x) => x.name);
      throw new StoreRefusal('invalid', 
        unknown
          .slice(0, 5)
          .map((n) => {
            const hint = closest(n, all);
            return `no board '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
          })
          .join('; '),
      );
    }
  }
  if (names.length > max) throw new StoreRefusal('invalid', `at most ${max} boards, got ${names.length}`);
  return names;
}
