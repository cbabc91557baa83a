/** Tahoe's hash tags (spec §1.2) and fixed sizes. Every tag is ASCII and exact. */

export const TAG = {
  CHK_KEY_TO_STORAGE_INDEX: 'allmydata_immutable_key_to_storage_index_v1',
  ENCODED_SUBSHARE: 'allmydata_encoded_subshare_v1',
  URI_EXTENSION: 'allmydata_uri_extension_v1',
  PLAINTEXT: 'allmydata_plaintext_v1',
  CRYPTTEXT: 'allmydata_crypttext_v1',
  CRYPTTEXT_SEGMENT: 'allmydata_crypttext_segment_v1',
  PLAINTEXT_SEGMENT: 'allmydata_plaintext_segment_v1',
  CONVERGENT_KEY_PREFIX: 'allmydata_immutable_content_to_key_with_added_secret_v1+',
  CLIENT_RENEWAL_SECRET: 'allmydata_client_renewal_secret_v1',
  CLIENT_CANCEL_SECRET: 'allmydata_client_cancel_secret_v1',
  FILE_RENEWAL_SECRET: 'allmydata_file_renewal_secret_v1',
  FILE_CANCEL_SECRET: 'allmydata_file_cancel_secret_v1',
  BUCKET_RENEWAL_SECRET: 'allmydata_bucket_renewal_secret_v1',
  BUCKET_CANCEL_SECRET: 'allmydata_bucket_cancel_secret_v1',
  MUTABLE_PRIVKEY_TO_WRITEKEY: 'allmydata_mutable_privkey_to_writekey_v1',
  MUTABLE_WRITEKEY_TO_WRITE_ENABLER_MASTER: 'allmydata_mutable_writekey_to_write_enabler_master_v1',
  MUTABLE_WRITE_ENABLER: 'allmydata_mutable_write_enabler_master_and_nodeid_to_write_enabler_v1',
  MUTABLE_PUBKEY_TO_FINGERPRINT: 'allmydata_mutable_pubkey_to_fingerprint_v1',
  MUTABLE_WRITEKEY_TO_READKEY: 'allmydata_mutable_writekey_to_readkey_v1',
  MUTABLE_READKEY_TO_DATAKEY: 'allmydata_mutable_readkey_to_datakey_v1',
  MUTABLE_READKEY_TO_STORAGE_INDEX: 'allmydata_mutable_readkey_to_storage_index_v1',
  DIRNODE_CHILD_CAPKEY: 'allmydata_mutable_writekey_and_salt_to_dirnode_child_capkey_v1',
  DIRNODE_CHILD_SALT: 'allmydata_dirnode_child_rwcap_to_salt_v1',
  MERKLE_EMPTY_LEAF: 'Merkle tree empty leaf',
  MERKLE_INTERNAL_NODE: 'Merkle tree internal node',
  MUTABLE_CONTAINER_HEADER: 'allmydata_mutable_container_header',
  BACKUPDB_DIRHASH: 'allmydata_backupdb_dirhash_v1',
} as const;

/** AES key length (bytes). */
export const KEY_LENGTH = 16;
/** Storage index length (bytes). */
export const STORAGE_INDEX_LENGTH = 16;
/** Hash, secret and root lengths (bytes). */
export const HASH_LENGTH = 32;
/** Plaintexts of at most this many bytes become `URI:LIT` caps (spec §2.1). */
export const LIT_THRESHOLD = 55;
/** Tahoe's default maximum immutable segment size (spec §2.1). */
export const DEFAULT_MAX_SEGMENT_SIZE = 1024 * 1024;
/** A downloader treats a UEB at least this long as corrupt (spec §2.8). */
export const MAX_UEB_LENGTH = 2000;
