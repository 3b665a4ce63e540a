import { describe, expect, it } from 'vitest';
import {
  checkableHash,
  parseGoogHash,
  RunningHash,
} from '../../../../electron/services/transfer/storage-hash';

// GCS's documented example values: CRC32C and MD5 of the same object, base64.
const CRC = 'n03x6A==';
const MD5 = 'Ojk9c3dhfxgoKVVHYwFbHQ==';

describe('parseGoogHash', () => {
  it('reads one header with both values, in either order', () => {
    expect(parseGoogHash(`crc32c=${CRC},md5=${MD5}`)).toEqual({ crc32c: CRC, md5: MD5 });
    expect(parseGoogHash(`md5=${MD5}, crc32c=${CRC}`)).toEqual({ crc32c: CRC, md5: MD5 });
  });

  it('reads the header sent twice, as an array or as Node joins it', () => {
    expect(parseGoogHash([`crc32c=${CRC}`, `md5=${MD5}`])).toEqual({ crc32c: CRC, md5: MD5 });
    expect(parseGoogHash(`crc32c=${CRC}, md5=${MD5}`)).toEqual({ crc32c: CRC, md5: MD5 });
  });

  it('reads a composite object (crc32c only) and ignores unknown algorithms and case in names', () => {
    expect(parseGoogHash(`CRC32C=${CRC}`)).toEqual({ crc32c: CRC });
    expect(parseGoogHash(`sha256=abcd,crc32c=${CRC},x=1`)).toEqual({ crc32c: CRC });
  });

  it('ignores values that are not base64 of the right size, keeping the others', () => {
    expect(parseGoogHash(`crc32c=not*base64,md5=${MD5}`)).toEqual({ md5: MD5 });
    expect(parseGoogHash(`crc32c=${MD5},md5=${CRC}`)).toEqual({});
    expect(parseGoogHash(`crc32c=n03x6A,md5=`)).toEqual({});
    expect(parseGoogHash(`crc32c`)).toEqual({});
  });

  it('ignores an algorithm named twice with different values, and accepts it repeated alike', () => {
    expect(parseGoogHash([`crc32c=${CRC}`, `crc32c=AAAAAA==`, `md5=${MD5}`])).toEqual({ md5: MD5 });
    expect(parseGoogHash([`crc32c=${CRC}`, `crc32c=${CRC}`])).toEqual({ crc32c: CRC });
  });

  it('gives nothing for a missing or empty header', () => {
    expect(parseGoogHash(undefined)).toEqual({});
    expect(parseGoogHash('')).toEqual({});
    expect(parseGoogHash([])).toEqual({});
  });
});

describe('checkableHash', () => {
  it('prefers the CRC32C, takes the MD5 when there is no CRC32C, and nothing without either', () => {
    expect(checkableHash({ crc32c: CRC, md5: MD5 })).toEqual({ algorithm: 'crc32c', expected: CRC });
    expect(checkableHash({ md5: MD5 })).toEqual({ algorithm: 'md5', expected: MD5 });
    expect(checkableHash({})).toBeNull();
  });
});

describe('RunningHash', () => {
  it('gives the CRC32C big-endian in base64, as GCS does, over chunks', () => {
    // The standard check value: CRC32C("123456789") = 0xE3069283.
    const h = new RunningHash('crc32c');
    h.update(Buffer.from('1234'));
    h.update(Buffer.from('56789'));
    expect(h.digest()).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('gives the MD5 in base64', () => {
    const h = new RunningHash('md5');
    h.update(Buffer.from('123456789'));
    expect(h.digest()).toBe(Buffer.from('25f9e794323b453885f5181f1b624d0b', 'hex').toString('base64'));
  });
});
