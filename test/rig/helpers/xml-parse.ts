/**
 * A strict, small XML 1.0 reader for checking the JUnit files the rig writes: well-formedness
 * (matching tags, quoted unique attributes, only the five predefined entities and character
 * references, no raw `<` or `&`, no characters XML 1.0 forbids), returning an element tree.
 * Independent of the writer in rig/report/xml.ts, so an escaping bug cannot hide on both sides.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function decode(s: string, at: number): string {
  if (FORBIDDEN.test(s)) throw new Error(`forbidden character near offset ${at}`);
  return s.replace(/&([^;]*);|&/g, (_m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare & near offset ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    const num = /^#([0-9]+)$|^#x([0-9a-fA-F]+)$/.exec(ent);
    if (!num) throw new Error(`unknown entity &${ent}; near offset ${at}`);
    return String.fromCodePoint(num[1] ? Number(num[1]) : parseInt(num[2]!, 16));
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  ws();
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const a = name();
      ws();
      if (src[i] !== '=') fail('expected =');
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('attribute value must be quoted');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute');
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail('< in attribute value');
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      el.attrs[a] = decode(raw, i);
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unterminated element ${el.name}`);
      const text = src.slice(i, lt);
      if (text.includes('>') && text.includes(']]>')) fail(']]> in text');
      el.text += decode(text, i);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== el.name) fail(`</${close}> closes <${el.name}>`);
        ws();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  ws();
  if (i !== src.length) fail('content after the root element');
  return root;
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
