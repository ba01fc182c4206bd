/**
 * Builds one SUIT_Command_Sequence (draft-ietf-suit-manifest-37 §8.4.6): a flat list of
 * command/argument pairs. Set Component Index is emitted only when the manifest has more than
 * one component and the target changes (§7 note: single-component manifests omit it).
 * Reporting policies follow the IETF examples: 15 for conditions, 2 for directives, 5 for
 * the conditions that select a try-each alternative.
 */
import { encodeCbor, type CborValue } from '../cbor/encode.js';
import { COMMAND, PARAMETER, POLICY_CONDITION, POLICY_DIRECTIVE } from '../labels.js';

type CommandName = keyof typeof COMMAND.ids;
type ParameterName = keyof typeof PARAMETER.ids;
export type ParameterValues = Partial<Record<ParameterName, CborValue>>;

export class SequenceBuilder {
  private readonly items: CborValue[] = [];
  private current: number | undefined;

  /** `multiComponent`: the manifest lists more than one component (set-component-index needed). */
  constructor(private readonly multiComponent: boolean) {}

  private push(name: CommandName, arg: CborValue): this {
    this.items.push(COMMAND.ids[name], arg);
    return this;
  }

  select(index: number): this {
    if (this.multiComponent && this.current !== index) {
      this.current = index;
      this.push('directive-set-component-index', index);
    }
    return this;
  }

  condition(name: CommandName, policy: number = POLICY_CONDITION): this {
    return this.push(name, policy);
  }

  directive(name: CommandName): this {
    return this.push(name, POLICY_DIRECTIVE);
  }

  /** directive-override-parameters with the given values (nothing when all are undefined). */
  override(values: ParameterValues): this {
    const m = new Map<CborValue, CborValue>();
    for (const [name, v] of Object.entries(values)) if (v !== undefined) m.set(PARAMETER.ids[name as ParameterName], v);
    return m.size === 0 ? this : this.push('directive-override-parameters', m);
  }

  /** directive-try-each over alternatives (each a sequence of its own, bstr-wrapped, §8.4.10.2). */
  tryEach(alternatives: SequenceBuilder[]): this {
    return this.push('directive-try-each', alternatives.map((a) => a.encode()));
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  encode(): Uint8Array {
    return encodeCbor(this.items);
  }
}
