import { describe, expect, it } from 'vitest';
import { entriesNotTheKits, foreignEntriesMessage } from './data-folder.js';

describe('entriesNotTheKits', () => {
  it('finds nothing foreign in a folder the kit wrote, the default one included', () => {
    expect(entriesNotTheKits(['cognito', 'dynamodb', 'lambda', 'rekognition', 's3', 'emails.jsonl', 'endpoint.json', 'services', 'test-bundles'])).toEqual([]);
  });

  it('names every entry the kit does not write, near misses included', () => {
    expect(entriesNotTheKits(['cognito', '.git', 'Documents', 'emails.json', 'S3'])).toEqual(['.git', 'Documents', 'emails.json', 'S3']);
  });
});

describe('foreignEntriesMessage', () => {
  it('names five entries and counts the rest', () => {
    const message = foreignEntriesMessage('/home/me', ['a', 'b', 'c', 'd', 'e', 'f', 'g']);

    expect(message).toBe("/home/me holds files the kit did not write (a, b, c, d, e, and 2 more): is it the kit's data folder? Remove them, or name the right folder with --data-dir.");
  });
});
