/**
 * A linear pre-check of a JSON request body, before it is parsed and validated: nesting depth,
 * items per array and characters per string. Validation costs time per item (and per error), so a
 * body of 50,000-element arrays or 100,000 nested brackets is refused here, naming where, in one
 * pass over the text that costs about as much as reading it. Malformed JSON is left to the parser.
 */
export interface JsonLimits {
  maxDepth: number;
  maxArrayItems: number;
  maxStringChars: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxArrayItems: 1000, maxStringChars: 65_536 };

export interface JsonLimitProblem {
  /** Where: property names and array indices from the root. */
  path: (string | number)[];
  message: string;
}

interface Frame {
  array: boolean;
  items: number;
  key: string | undefined;
  expectKey: boolean;
}

export function jsonLimitProblem(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonLimitProblem | undefined {
  const stack: Frame[] = [];
  /** The path through the outermost `frames` containers: each one's current key or index. */
  const where = (frames = stack.length): (string | number)[] => {
    const out: (string | number)[] = [];
    for (const f of stack.slice(0, frames)) {
      const part = f.array ? f.items - 1 : f.key;
      if (part !== undefined) out.push(part);
    }
    return out;
  };
  const startValue = (): JsonLimitProblem | undefined => {
    const top = stack.at(-1);
    if (top?.array) {
      top.items++;
      if (top.items > limits.maxArrayItems)
        return { path: where(stack.length - 1), message: `must have at most ${limits.maxArrayItems} items` };
    }
    return undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0x3a) {
      // whitespace, ',' and ':' carry no value; ':' ends a key
      if (c === 0x3a) {
        const top = stack.at(-1);
        if (top && !top.array) top.expectKey = false;
      } else if (c === 0x2c) {
        const top = stack.at(-1);
        if (top && !top.array) top.expectKey = true;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const p = startValue();
      if (p) return p;
      if (stack.length >= limits.maxDepth)
        return { path: where(), message: `must not nest deeper than ${limits.maxDepth} levels` };
      stack.push({ array: c === 0x5b, items: 0, key: undefined, expectKey: c === 0x7b });
      continue;
    }
    if (c === 0x7d || c === 0x5d) {
      stack.pop();
      continue;
    }
    if (c === 0x22) {
      const start = i + 1;
      let j = start;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack.at(-1);
      if (top && !top.array && top.expectKey) {
        top.key = j - start <= 256 ? text.slice(start, j) : `${text.slice(start, start + 64)}...`;
      } else {
        const p = startValue();
        if (p) return p;
        if (j - start > limits.maxStringChars)
          return { path: where(), message: `must be at most ${limits.maxStringChars} characters` };
      }
      i = j;
      continue;
    }
    // a number, true, false or null: one value
    const p = startValue();
    if (p) return p;
    while (i + 1 < text.length && !DELIMITERS.has(text.charCodeAt(i + 1))) i++;
  }
  return undefined;
}

const DELIMITERS = new Set([0x20, 0x0a, 0x0d, 0x09, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x22]);

/** `body.group.vmSizes[3]` style. */
export function formatJsonPath(root: string, path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), root);
}
