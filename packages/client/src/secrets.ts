/**
 * A client's secrets and the per-file, per-server values derived from them: lease secrets
 * (spec §3.3) and the upload secret that lets a re-run of an interrupted upload prove to a
 * server that it is the same uploader, so the server lets it resume the bucket.
 */
import { bucketCancelSecret, bucketRenewSecret, taggedPairHash } from '@tessera/caps';

/** Tessera's tag for upload secrets (not a Tahoe tag: Tahoe's HTTP client picks them at random). */
export const UPLOAD_SECRET_TAG = 'tessera_upload_secret_v1';

/** The secrets a client node keeps in `private/`. */
export interface ClientSecrets {
  /** 32 bytes or more; `private/convergence`. */
  readonly convergence: Uint8Array;
  /** 32 bytes; `private/secret`. */
  readonly lease: Uint8Array;
}

/** Renew, cancel and upload secrets for one file on one server. */
export function bucketSecrets(
  secrets: ClientSecrets,
  storageIndex: Uint8Array,
  serverSeed: Uint8Array,
): { renewSecret: Uint8Array; cancelSecret: Uint8Array; uploadSecret: Uint8Array } {
  const renewSecret = bucketRenewSecret(secrets.lease, storageIndex, serverSeed);
  const cancelSecret = bucketCancelSecret(secrets.lease, storageIndex, serverSeed);
  const id = new Uint8Array(storageIndex.length + serverSeed.length);
  id.set(storageIndex);
  id.set(serverSeed, storageIndex.length);
  return {
    renewSecret,
    cancelSecret,
    uploadSecret: taggedPairHash(UPLOAD_SECRET_TAG, secrets.lease, id),
  };
}
