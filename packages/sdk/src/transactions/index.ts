export { TxEngine } from "./engine.js";
export { FileJournal } from "./file-journal.js";
export { FileKeyLock, type KeyLock } from "./lock.js";
export {
  MemoryJournal,
  OPEN_JOURNAL_STATES,
  carriesCall,
  isOpen,
  type Journal,
  type JournalEntry,
  type JournalState,
  type JournalTx,
} from "./journal.js";
export { DEFAULT_TX_POLICY, type TxPolicy, type ResolvedTxPolicy } from "./policy.js";
export { bumpFees, pricedOut, type Bump, type Fees } from "./fees.js";
export { decodeMinedRevert, type MinedCall } from "./revert.js";
export { ChainReader, type Head, type RpcBlock, type RpcTransaction } from "./rpc.js";
export type {
  SendOptions,
  TxEngineOptions,
  TxEvent,
  TxEventReason,
  TxEventType,
  TxResult,
} from "./types.js";
