import { type Executor, type Tx, transactionScope } from './database.ts';

export type AfterCommit = () => void | Promise<void>;

const afterCommitHooks = new WeakMap<Tx, AfterCommit[]>();

/**
 * Runs `work` in one transaction. Services own transactions; repositories take the executor.
 * Work registered with `afterCommit` runs only once the transaction has committed.
 */
export async function inTransaction<T>(db: Executor, work: (tx: Tx) => Promise<T>): Promise<T> {
  let hooks: AfterCommit[] = [];
  const result = await db.transaction().execute(async (tx) => {
    hooks = [];
    afterCommitHooks.set(tx, hooks);
    return transactionScope.run(true, () => work(tx));
  });
  for (const hook of hooks) await hook();
  return result;
}

export function afterCommit(tx: Tx, hook: AfterCommit): void {
  const hooks = afterCommitHooks.get(tx);
  if (!hooks) throw new Error('afterCommit called outside inTransaction');
  hooks.push(hook);
}
