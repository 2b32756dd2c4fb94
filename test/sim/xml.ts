/**
 * A small XML well-formedness check for the simulator's SVG: every tag closes in order, attribute
 * values are quoted and unique per element, entities are the predefined five or numeric, and there
 * is exactly one root element. Returns the problems found (none when well-formed) and the element
 * names in document order.
 */
export function checkXml(text: string): { problems: string[]; elements: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?:[a-z]+|#\d+|#x[0-9a-f]+);|&/gi;
  for (const match of text.matchAll(token)) {
    const [whole, close, open, attributes, selfClosing] = match;
    if (whole === "<") problems.push(`stray '<' at ${match.index}`);
    else if (whole === "&") problems.push(`bare '&' at ${match.index}`);
    else if (whole.startsWith("&") && !/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i.test(whole))
      problems.push(`unknown entity ${whole}`);
    else if (close !== undefined) {
      const top = stack.pop();
      if (top !== close) problems.push(`</${close}> closes <${top ?? "nothing"}>`);
    } else if (open !== undefined) {
      if (stack.length === 0) roots++;
      elements.push(open);
      const names = [...(attributes ?? "").matchAll(/([^\s=]+)\s*=/g)].map((m) => m[1]!);
      if (new Set(names).size !== names.length) problems.push(`<${open}> repeats an attribute`);
      if (selfClosing !== "/") stack.push(open);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(", ")}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return { problems, elements };
}

/** An element of a parsed XML document. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** The element's own text (entities decoded), without its children's. */
  text: string;
}

function decode(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&");
}

/**
 * Parses a well-formed XML document (checked with {@link checkXml} first) into its element tree,
 * so a test can read an SVG as data: which groups, which attributes, which labels.
 * @throws {Error} when the document is not well-formed.
 */
export function parseXml(text: string): XmlElement {
  const { problems } = checkXml(text);
  if (problems.length > 0) throw new Error(`not well-formed XML: ${problems.join("; ")}`);
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)/g;
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: XmlElement[] = [root];
  for (const [, close, open, attributes, selfClosing, content] of text.matchAll(token)) {
    const top = stack[stack.length - 1]!;
    if (content !== undefined) top.text += decode(content);
    else if (close !== undefined) stack.pop();
    else if (open !== undefined) {
      const attrs: Record<string, string> = {};
      for (const [, key, double, single] of (attributes ?? "").matchAll(
        /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g,
      ))
        attrs[key!] = decode(double ?? single ?? "");
      const element: XmlElement = { name: open, attributes: attrs, children: [], text: "" };
      top.children.push(element);
      if (selfClosing !== "/") stack.push(element);
    }
  }
  return root.children[0]!;
}

/** Every element below `element` (depth first) that `match` accepts. */
export function findAll(element: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children) {
      if (match(child)) out.push(child);
      walk(child);
    }
  };
  walk(element);
  return out;
}

/** The first child element named `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}
