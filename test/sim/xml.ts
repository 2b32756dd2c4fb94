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
