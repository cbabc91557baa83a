/**
 * The storage protocol (`/tessera/storage/1.0.0`): Tahoe's `RIStorageServer` operations (spec
 * §3.2) as message types of one service, with their size caps and validators, the slot
 * subscription, and the storage wire error codes. Servers serve it with `rpcServer` (the
 * storage-server package registers the handlers); clients call it through
 * {@link storageClient} or a plain `rpcClient`. docs/PROTOCOL.md "Storage protocol".
 * @packageDocumentation
 */
import { defineService, notificationType, oneWayType, requestType } from './messages.ts';
import { STORAGE_PROTOCOL } from './protocol-ids.ts';
import {
  MAX_READ_RANGES,
  MAX_READ_TOTAL_BYTES,
  MAX_REPORTED_RANGES,
  MAX_SHARES_PER_REQUEST,
  MAX_SLOT_READ_VECTOR_BYTES,
  MAX_SLOT_TEST_BYTES,
  MAX_SLOT_WRITE_BYTES,
  MAX_SUBSCRIBED_SLOTS,
  MAX_WRITE_DATA_BYTES,
  STORAGE_BODY_OVERHEAD_BYTES,
  STORAGE_WIRE_ERROR_CODES,
} from './storage-limits.ts';
import {
  validateAddLeaseReply,
  validateAddLeaseRequest,
  validateAdviseCorruptShare,
  validateAllocateBucketsReply,
  validateAllocateBucketsRequest,
  validateBucketId,
  validateCancelLeaseReply,
  validateCancelLeaseRequest,
  validateEmpty,
  validateListSharesReply,
  validateReadReply,
  validateReadRequest,
  validateRenewLeaseReply,
  validateRenewLeaseRequest,
  validateSlotChanged,
  validateSlotReadReply,
  validateSlotReadRequest,
  validateSlotSubscription,
  validateSlotTestAndWriteReply,
  validateSlotTestAndWriteRequest,
  validateStatsReply,
  validateStorageIndexRequest,
  validateWriteReply,
  validateWriteRequest,
  validateWrittenRangesReply,
} from './storage-validate.ts';

export * from './storage-limits.ts';
export * from './storage-validate.ts';

/** Cap of a small body: ids, secrets, a few numbers. */
const SMALL = 4096;
/** Bytes of one encoded `{offset, length}` range, at most. */
const RANGE_BYTES = 40;

/**
 * The storage service: every message type with its caps. Requests from one client share a
 * session stream and may be pipelined (replies come back matched by id, in any order).
 */
export const storageServiceDefinition = defineService({
  name: 'storage',
  protocol: STORAGE_PROTOCOL,
  messages: {
    'allocate-buckets': requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateAllocateBucketsRequest,
      validateReply: validateAllocateBucketsReply,
    }),
    write: requestType({
      maxBytes: MAX_WRITE_DATA_BYTES + SMALL,
      maxReplyBytes: MAX_REPORTED_RANGES * RANGE_BYTES + SMALL,
      validateRequest: validateWriteRequest,
      validateReply: validateWriteReply,
    }),
    'written-ranges': requestType({
      maxBytes: SMALL,
      maxReplyBytes: 2 * MAX_REPORTED_RANGES * RANGE_BYTES + SMALL,
      validateRequest: validateBucketId,
      validateReply: validateWrittenRangesReply,
    }),
    close: requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateBucketId,
      validateReply: validateEmpty,
    }),
    abort: requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateBucketId,
      validateReply: validateEmpty,
    }),
    read: requestType({
      maxBytes: MAX_READ_RANGES * RANGE_BYTES + SMALL,
      maxReplyBytes: MAX_READ_TOTAL_BYTES + STORAGE_BODY_OVERHEAD_BYTES,
      validateRequest: validateReadRequest,
      validateReply: validateReadReply,
    }),
    'list-shares': requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateStorageIndexRequest,
      validateReply: validateListSharesReply,
    }),
    'add-lease': requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateAddLeaseRequest,
      validateReply: validateAddLeaseReply,
    }),
    'renew-lease': requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateRenewLeaseRequest,
      validateReply: validateRenewLeaseReply,
    }),
    'cancel-lease': requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateCancelLeaseRequest,
      validateReply: validateCancelLeaseReply,
    }),
    'slot-read': requestType({
      maxBytes: MAX_READ_RANGES * RANGE_BYTES + SMALL,
      maxReplyBytes: MAX_READ_TOTAL_BYTES + MAX_SHARES_PER_REQUEST * MAX_READ_RANGES * 8 + SMALL,
      validateRequest: validateSlotReadRequest,
      validateReply: validateSlotReadReply,
    }),
    'slot-test-and-write': requestType({
      maxBytes: MAX_SLOT_WRITE_BYTES + MAX_SLOT_TEST_BYTES + STORAGE_BODY_OVERHEAD_BYTES * 32,
      maxReplyBytes:
        MAX_SHARES_PER_REQUEST * (MAX_SLOT_READ_VECTOR_BYTES + MAX_READ_RANGES * 8) + SMALL,
      validateRequest: validateSlotTestAndWriteRequest,
      validateReply: validateSlotTestAndWriteReply,
    }),
    'advise-corrupt-share': oneWayType({ maxBytes: SMALL, validate: validateAdviseCorruptShare }),
    stats: requestType({
      maxBytes: SMALL,
      maxReplyBytes: SMALL,
      validateRequest: validateEmpty,
      validateReply: validateStatsReply,
    }),
    'slot-changed': notificationType({ maxBytes: 256, validate: validateSlotChanged }),
  },
  subscription: {
    maxBytes: MAX_SUBSCRIBED_SLOTS * 24 + SMALL,
    validate: validateSlotSubscription,
  },
  errorCodes: STORAGE_WIRE_ERROR_CODES,
});

/** The storage service's message types. */
export type StorageMessages = (typeof storageServiceDefinition)['messages'];
