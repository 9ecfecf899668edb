import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type LineLocator, ProfileError, type ProfileRule, parseProfileRules } from './profiles.ts';

/**
 * Reads simulator profile rules from a YAML file: a list of `{match, ...profile fields}` or
 * `{profiles: [...]}`. Throws {@link ProfileError} whose message names the file, the line, the entry
 * and the field of every problem.
 */
export function loadProfilesFile(path: string): ProfileRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const message = `cannot read profiles file (${reason})`;
    throw new ProfileError(path, [{ path: [], message }], `${path}: ${message}`);
  }
  return parseProfilesYaml(text, path);
}

/** Reads profile rules from YAML text; `source` names it in errors (a file path, "request body"). */
export function parseProfilesYaml(text: string, source: string): ProfileRule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    const message = `not valid YAML: ${syntax.message}`;
    const issue = line === undefined ? { path: [], message } : { path: [], message, line };
    throw new ProfileError(
      source,
      [issue],
      `${line === undefined ? source : `${source}:${line}`}: ${message}`,
    );
  }
  const locate: LineLocator = (path) => {
    const offset = offsetOf(doc.contents, path);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return parseProfileRules(doc.toJS(), source, locate);
}

/** Where the deepest existing node on `path` starts; a key's position when its value is empty. */
function offsetOf(root: Node | null, path: readonly (string | number)[]): number | undefined {
  let node: Node | null | undefined = root;
  let offset = root?.range?.[0];
  for (const step of path) {
    if (isSeq(node) && typeof step === 'number') {
      node = node.items[step] as Node | undefined;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      if (!pair) break;
      const key = pair.key as Node;
      offset = key.range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else {
      break;
    }
    if (!node) break;
    offset = node.range?.[0] ?? offset;
  }
  return offset;
}
