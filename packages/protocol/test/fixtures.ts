// A small service used by the tests: every kind of message, with hand-written validators.
import {
  createTesseraNode,
  defineService,
  expectObject,
  expectString,
  expectUint,
  field,
  generateNodeKey,
  notificationType,
  oneWayType,
  protocolId,
  requestType,
} from '../src/index.ts';
import type { TesseraNode } from '../src/index.ts';

export interface Text {
  text: string;
}

export function validateText(value: unknown): Text {
  const o = expectObject(value, 'body');
  return { text: expectString(field(o, 'text'), 'body.text', { maxLength: 6_000_000 }) };
}

export interface Tick {
  n: number;
}

export function validateTick(value: unknown): Tick {
  const o = expectObject(value, 'body');
  return { n: expectUint(field(o, 'n'), 'body.n') };
}

export interface Topic {
  topic: string;
}

export function validateTopic(value: unknown): Topic {
  const o = expectObject(value, 'body');
  return { topic: expectString(field(o, 'topic'), 'body.topic', { minLength: 1, maxLength: 32 }) };
}

export const testService = defineService({
  name: 'test',
  protocol: protocolId('test', '1.0.0'),
  messages: {
    echo: requestType({
      maxBytes: 1024,
      maxReplyBytes: 1024,
      validateRequest: validateText,
      validateReply: validateText,
    }),
    big: requestType({
      maxBytes: 6_000_000,
      maxReplyBytes: 6_000_000,
      validateRequest: validateText,
      validateReply: validateText,
    }),
    fail: requestType({
      maxBytes: 1024,
      maxReplyBytes: 1024,
      validateRequest: validateText,
      validateReply: validateText,
    }),
    slow: requestType({
      maxBytes: 1024,
      maxReplyBytes: 1024,
      validateRequest: validateText,
      validateReply: validateText,
    }),
    note: oneWayType({ maxBytes: 1024, validate: validateText }),
    tick: notificationType({ maxBytes: 1024, validate: validateTick }),
  },
  subscription: { maxBytes: 256, validate: validateTopic },
  errorCodes: ['TEST_REFUSED'],
});

export async function startNode(listen = true): Promise<TesseraNode> {
  return createTesseraNode({
    privateKey: await generateNodeKey(),
    listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [],
  });
}
