/**
 * Signed checkpoints: what makes the hash chain evidence against someone who can rewrite the file.
 * A hash chain alone is recomputable by anyone (`hashRecord` is public), so the writer also signs,
 * every so often and when it closes the log, the chain's length and head hash with an Ed25519 key
 * that only it holds. A verifier needs only the public key. Every record up to a checkpoint that
 * verifies is fixed by that signature; records after the last one are not.
 *
 * A checkpoint is one line of the log, beside the records and outside their chain (records keep
 * consecutive `seq`s and link record to record):
 *
 *   {"checkpoint":1,"records":42,"head":"<hash of record seq 41>","time":"…","keyId":"<hex>","signature":"<base64>"}
 *
 * `keyId` (SHA-256 of the public key's SPKI DER) is inside the signed bytes, so keys can rotate: a
 * verifier given several public keys checks each checkpoint with the one it names.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { canonicalJson, type Chain } from './chain.js'

/** An Ed25519 private key: a `KeyObject`, or PEM text (PKCS #8) as a string or Buffer. */
export type SigningKey = KeyObject | string | Buffer
/** An Ed25519 public key (SPKI PEM, string or Buffer, or a `KeyObject`); a private key is read for its public half. */
export type VerifyingKey = KeyObject | string | Buffer

export interface Checkpoint {
  /** marks the line as a checkpoint (format version 1) */
  checkpoint: 1
  /** how many records it covers: every record with `seq` below this */
  records: number
  /** hash of the last covered record (`GENESIS` when it covers none) */
  head: string
  /** when the writer signed it (its system clock) */
  time: string
  /** present on the checkpoint the writer wrote when it closed the log */
  closing?: true
  /** SHA-256 (hex) of the signing public key's SPKI DER */
  keyId: string
  /** Ed25519 signature (base64) of `SIGNED_PREFIX` + the canonical JSON of every other field */
  signature: string
}

/** Domain separation: these signatures cannot be mistaken for signatures of anything else made with the key. */
const SIGNED_PREFIX = 'vetoc decision-log checkpoint v1\n'

const signedBytes = (body: Omit<Checkpoint, 'signature'>): Buffer => Buffer.from(SIGNED_PREFIX + canonicalJson(body), 'utf8')

/** SHA-256 (hex) of a public key's SPKI DER: the id checkpoints name their key by. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`${what} must be an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`)
  return key
}

export function loadSigningKey(key: SigningKey): { privateKey: KeyObject; publicKey: KeyObject; keyId: string } {
  let privateKey: KeyObject
  try {
    privateKey = typeof key === 'object' && !Buffer.isBuffer(key) ? key : createPrivateKey(key)
  } catch (e) {
    throw new TypeError(`signingKey is not a private key: ${(e as Error).message}`)
  }
  if (privateKey.type !== 'private') throw new TypeError(`signingKey must be a private key, got a ${privateKey.type} key`)
  ed25519(privateKey, 'signingKey')
  const publicKey = createPublicKey(privateKey)
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) }
}

export function loadVerifyingKey(key: VerifyingKey): { publicKey: KeyObject; keyId: string } {
  let publicKey: KeyObject
  try {
    publicKey = typeof key === 'object' && !Buffer.isBuffer(key) && key.type === 'public' ? key : createPublicKey(key)
  } catch (e) {
    throw new TypeError(`not a public key: ${(e as Error).message}`)
  }
  ed25519(publicKey, 'a verifying key')
  return { publicKey, keyId: keyIdOf(publicKey) }
}

/** A new Ed25519 key pair as PEM: `private` (PKCS #8) for the writer, `public` (SPKI) for verifiers. */
export function generateSigningKeys(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(publicKey),
  }
}

/** True for a line that claims to be a checkpoint (whether or not it is a valid one). */
export function isCheckpointLine(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'checkpoint')
}

/** The checkpoint's fields, or why it is not well formed. */
export function readCheckpoint(value: Record<string, unknown>): Checkpoint | string {
  const v = value
  if (v['checkpoint'] !== 1) return 'unknown checkpoint version'
  if (!Number.isSafeInteger(v['records']) || (v['records'] as number) < 0) return '`records` is not a count'
  if (typeof v['head'] !== 'string' || !/^[0-9a-f]{64}$/.test(v['head'])) return '`head` is not a SHA-256 hash'
  if (typeof v['time'] !== 'string') return '`time` is missing'
  if (v['closing'] !== undefined && v['closing'] !== true) return '`closing` is not true'
  if (typeof v['keyId'] !== 'string' || !/^[0-9a-f]{64}$/.test(v['keyId'])) return '`keyId` is not a key id'
  if (typeof v['signature'] !== 'string') return '`signature` is missing'
  return v as unknown as Checkpoint
}

/** Whether `cp.signature` is `publicKey`'s signature of the checkpoint's other fields. */
export function checkpointSignatureValid(cp: Checkpoint, publicKey: KeyObject): boolean {
  const { signature, ...body } = cp
  const sig = Buffer.from(signature, 'base64')
  // Ed25519 signatures are 64 bytes; also refuse base64 that does not round-trip (no second spelling)
  if (sig.length !== 64 || sig.toString('base64') !== signature) return false
  try {
    return verify(null, signedBytes(body), publicKey, sig)
  } catch {
    return false
  }
}

/**
 * Decides when a sink writes a checkpoint and signs it: after every `every` records, and whenever
 * the sink asks (a flush, a close) if records came since the last one. A closing checkpoint is
 * written even with nothing new, unless the last one already closed the log at the same place.
 */
export class Checkpointer {
  readonly keyId: string
  private readonly privateKey: KeyObject
  private readonly every: number
  /** records the chain held when the last checkpoint was signed (or when signing started) */
  private signedAt: number
  private closed = false
  /** `startRecords`: the length of the chain this sink continues (a reopened log) */
  constructor(key: SigningKey, every = 256, startRecords = 0) {
    const loaded = loadSigningKey(key)
    if (!Number.isSafeInteger(every) || every < 1) throw new TypeError(`checkpointEvery must be a positive integer, got ${String(every)}`)
    this.privateKey = loaded.privateKey
    this.keyId = loaded.keyId
    this.every = every
    this.signedAt = startRecords
  }
  /** After a record was sealed: a checkpoint line when `every` records have gathered since the last. */
  afterRecord(chain: Chain): string | undefined {
    return chain.position().records - this.signedAt >= this.every ? this.now(chain, false) : undefined
  }
  /** A checkpoint line for the chain as it stands, or undefined when it would say nothing new. */
  now(chain: Chain, closing: boolean): string | undefined {
    const { records, head } = chain.position()
    const nothingNew = records === this.signedAt
    if (nothingNew && (!closing || this.closed)) return undefined
    const body: Omit<Checkpoint, 'signature'> = { checkpoint: 1, records, head, time: new Date().toISOString(), ...(closing ? { closing: true as const } : {}), keyId: this.keyId }
    const signature = sign(null, signedBytes(body), this.privateKey).toString('base64')
    this.signedAt = records
    this.closed = closing
    return `${JSON.stringify({ ...body, signature })}\n`
  }
}
