import type { EvalScope, Template, Value } from '../expressions.ts';
import { fieldAt, type HttpRequest } from '../http-client.ts';
import { edgesOf, nothingToStop } from './kit.ts';
import type { CompileKit, NodeFactory, NodeRun, Step } from './types.ts';

/** A JSON body in which every text is a template; `"{{ n }}"` alone keeps n's type. */
type BodyTemplate = (scope: EvalScope) => Value;

/**
 * `http`: asks the business application over HTTP. URL, headers and JSON body are templates; fields
 * of a 2xx JSON answer go into variables (`assign`); the status goes into `http_status` (0 when no
 * answer came). 2xx goes to `next`, a status listed in `onStatus` to its node, anything else (another
 * status, no connection, an answer too large) to `error`, and no answer within `timeoutMs` (on the
 * IVR's clock) to `timeout`, or `error` without one. The request runs outside the IVR's lane.
 */
export const http: NodeFactory<'http'> = (def, kit) => {
  const url = kit.template(def.url, 'url');
  const headers = Object.entries(def.headers ?? {}).map(
    ([name, value]) => [name.toLowerCase(), kit.template(value, `headers.${name}`)] as const,
  );
  const body = def.body === undefined ? undefined : jsonTemplate(def.body, 'body', kit);
  const onStatus = new Map(Object.entries(def.onStatus ?? {}).map(([status, to]) => [Number(status), to]));
  const assign = Object.entries(def.assign ?? {});
  const targets: Record<string, string | undefined> = {
    next: def.next,
    error: def.error,
    timeout: def.timeout,
  };
  for (const [status, to] of onStatus) targets[`onStatus.${status}`] = to;

  const fail = (run: NodeRun, detail: Record<string, Value>, to = def.error): Step => {
    run.session.vars.http_status = 0;
    run.trace('http', detail);
    return { go: to };
  };

  return {
    kind: 'http',
    edges: edgesOf(targets),
    waitsForCaller: false,
    async exec(run) {
      const request = build(run.scope);
      if ('problem' in request) return fail(run, { error: request.problem });
      run.request(request);
      run.timer('timeout', def.timeoutMs);
      return undefined;
    },
    async on(run, input) {
      if (input.type === 'timer' && input.name === 'timeout') {
        return fail(
          run,
          { method: def.method, error: 'timeout', ms: def.timeoutMs },
          def.timeout ?? def.error,
        );
      }
      if (input.type !== 'http') return undefined;
      run.cancelTimer('timeout');
      const result = input.result;
      if (!result.ok) return fail(run, { method: def.method, error: result.error, ms: result.ms });
      run.session.vars.http_status = result.status;
      const success = result.status >= 200 && result.status < 300;
      const listed = onStatus.get(result.status);
      const detail = { method: def.method, status: result.status, ms: result.ms };
      if (listed === undefined && !success) {
        run.trace('http', detail);
        return { go: def.error };
      }
      if (success && assign.length > 0) {
        if (result.json === undefined) return fail(run, { ...detail, error: 'the answer is not JSON' });
        for (const [name, path] of assign) run.session.vars[name] = fieldAt(result.json, path);
      }
      run.trace('http', detail);
      return { go: listed ?? def.next };
    },
    kill: nothingToStop,
  };

  function build(scope: EvalScope): HttpRequest | { problem: string } {
    const target = url.render(scope);
    let parsed: URL;
    try {
      parsed = new URL(target);
    } catch {
      return { problem: `not a URL: ${JSON.stringify(target)}` };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { problem: `not an http(s) URL: ${JSON.stringify(target)}` };
    }
    const sent = Object.assign(Object.create(null) as Record<string, string>, {
      accept: 'application/json',
      'user-agent': 'Switchboard-IVR',
    });
    if (body !== undefined) sent['content-type'] = 'application/json';
    for (const [name, value] of headers) sent[name] = value.render(scope);
    return {
      method: def.method,
      url: parsed.toString(),
      headers: sent,
      ...(body !== undefined && { body: JSON.stringify(body(scope)) }),
    };
  }
};

function jsonTemplate(value: unknown, field: string, kit: CompileKit): BodyTemplate {
  if (typeof value === 'string') {
    const template: Template = kit.template(value, field);
    return (scope) => template.value(scope);
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => jsonTemplate(item, `${field}[${i}]`, kit));
    return (scope) => items.map((item) => item(scope));
  }
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).map(
      ([key, v]) => [key, jsonTemplate(v, `${field}.${key}`, kit)] as const,
    );
    return (scope) => {
      // Keys come from the flow: a prototype-free object keeps "__proto__" an ordinary field.
      const out = Object.create(null) as Record<string, Value>;
      for (const [key, make] of fields) out[key] = make(scope);
      return out;
    };
  }
  const literal = value as Value;
  return () => literal;
}
