import type { NodeKind } from '../flow-schema.ts';
import { branch } from './branch.ts';
import { enqueue } from './enqueue.ts';
import { gather } from './gather.ts';
import { goto } from './goto.ts';
import { hangup } from './hangup.ts';
import { http } from './http.ts';
import { menu } from './menu.ts';
import { play } from './play.ts';
import { record } from './record.ts';
import { say } from './say.ts';
import { set } from './set.ts';
import { transfer } from './transfer.ts';
import type { NodeFactory } from './types.ts';

/** Every node kind and the factory that builds it; a kind without a file here does not compile. */
export const NODE_FACTORIES: { readonly [K in NodeKind]: NodeFactory<K> } = {
  say,
  play,
  gather,
  menu,
  http,
  branch,
  set,
  enqueue,
  transfer,
  record,
  hangup,
  goto,
};
