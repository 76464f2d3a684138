/** Where records go: memory or a stream (the durable file sink is `file-sink.ts`), and the options they share. */
import type { Writable } from 'node:stream'
import { Chain, type DecisionRecord, type UnsignedRecord } from './chain.js'
import { Checkpointer, type SigningKey } from './signing.js'


/**
 * Where records go. A sink is one log, so it owns the chain: `write` seals the record (seq, prev,
 * hash) and must not block or throw into the decision path. Several guards may share one sink.
 */
export interface RecordSink {
  write(record: UnsignedRecord): DecisionRecord
  /** Writes out everything buffered; rejects if that failed (the records stay buffered). */
  flush(): Promise<void>
  close?(): Promise<void>
}

/** What makes a log evidence against whoever can rewrite it: signed checkpoints (`signing.ts`). */
export interface SigningOptions {
  /**
   * Ed25519 private key (PKCS #8 PEM or a `KeyObject`; `vetoc log keygen` makes one). With it the
   * sink writes signed checkpoints into the log: every `checkpointEvery` records, on every flush, and
   * a closing one on close, so `vetoc log verify --key public.pem` can detect a log that was cut,
   * appended to or re-hashed. Without it the log is hash-chained only.
   * @default none
   */
  signingKey?: SigningKey
  /** With `signingKey`: sign a checkpoint after this many records even if no flush came. @default 256 */
  checkpointEvery?: number
}

/** Keeps records in memory (tests, small tools; unsigned). */
export function createMemorySink(): RecordSink & { records: DecisionRecord[] } {
  const records: DecisionRecord[] = []
  const chain = new Chain()
  return {
    records,
    write: r => {
      const sealed = chain.seal(r)
      records.push(sealed)
      return sealed
    },
    flush: async () => {},
  }
}

/**
 * Writes JSON Lines to a stream (e.g. process.stdout). With `signingKey`, a signed checkpoint follows
 * every `checkpointEvery` records and every `flush()`, and `close()` writes a closing one (it does
 * not end the stream, which belongs to the caller).
 */
export function createStreamSink(stream: Writable, options: SigningOptions = {}): RecordSink {
  const chain = new Chain()
  const checkpointer = options.signingKey === undefined ? undefined : new Checkpointer(options.signingKey, options.checkpointEvery)
  const drained = (): Promise<void> => new Promise(resolve => (stream.writableNeedDrain ? stream.once('drain', () => resolve()) : resolve()))
  const checkpoint = (closing: boolean): void => {
    const line = checkpointer?.now(chain, closing)
    if (line !== undefined) stream.write(line)
  }
  return {
    write(unsigned) {
      const { record, line } = chain.sealLine(unsigned)
      stream.write(line)
      const cp = checkpointer?.afterRecord(chain)
      if (cp !== undefined) stream.write(cp)
      return record
    },
    flush: () => {
      checkpoint(false)
      return drained()
    },
    close: () => {
      checkpoint(true)
      return drained()
    },
  }
}
