import { describe, expect, it } from 'vitest';
import { elementTexts, unescapeXml, xmlDocumentOf } from './xml.js';

describe('elementTexts', () => {
  it('reads each element of the name, with or without attributes, and no longer name that starts alike', () => {
    const xml = '<Complete><Part><PartNumber>1</PartNumber></Part><Part id="2"><PartNumber>2</PartNumber></Part><Parts>x</Parts></Complete>';

    expect(elementTexts(xml, 'Part')).toEqual(['<PartNumber>1</PartNumber>', '<PartNumber>2</PartNumber>']);
    expect(elementTexts(xml, 'PartNumber')).toEqual(['1', '2']);
    expect(elementTexts('<Part>unclosed<Part>b</Part>', 'Part')).toEqual(['unclosed<Part>b']);
    expect(elementTexts('<Part', 'Part')).toEqual([]);
  });

  it('reads a MiB of unclosed elements in one pass: a lazy regular expression took the square of it, minutes of a blocked kit', () => {
    // Passes within the test's timeout only in linear time (about a minute per MiB before).
    expect(elementTexts(`<CompleteMultipartUpload>${'<Part>'.repeat(175_000)}`, 'Part')).toEqual([]);
    expect(elementTexts(`<Delete>${'<Object '.repeat(130_000)}`, 'Object')).toEqual([]);
  });
});

describe('xmlDocumentOf', () => {
  it('drops comments, whose elements no parser reads, and refuses a comment never closed', () => {
    const body = Buffer.from('<CompleteMultipartUpload><!-- <Part><PartNumber>9</PartNumber></Part> --><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>');

    expect(elementTexts(xmlDocumentOf(body, 'CompleteMultipartUpload')!, 'PartNumber')).toEqual(['1']);
    expect(xmlDocumentOf(Buffer.from('<CompleteMultipartUpload><!-- <Part>'), 'CompleteMultipartUpload')).toBeUndefined();
    expect(xmlDocumentOf(Buffer.from('<!-- <CompleteMultipartUpload> -->'), 'CompleteMultipartUpload')).toBeUndefined();
  });
});

describe('xmlDocumentOf and unescapeXml: bodies that are no XML document (fuzz audit)', () => {
  it('refuses a root never closed, and markup after the root', () => {
    expect(xmlDocumentOf(Buffer.from('<Delete><Object><Key>victim</Key></Object>'), 'Delete')).toBeUndefined();
    expect(xmlDocumentOf(Buffer.from('<Delete><Object><Key>a</Key></Object></Delete><junk/>'), 'Delete')).toBeUndefined();
    expect(xmlDocumentOf(Buffer.from('<Delete><Object><Key>a</Key></Object></Delete>\n<!-- done -->\n'), 'Delete')).toBeDefined();
  });

  it('reads a CDATA section as the text it holds, and refuses markup inside a text', () => {
    expect(unescapeXml('<![CDATA[a&b<c>]]>&amp;<![CDATA[]]>d')).toBe('a&b<c>&d');
    expect(unescapeXml('<![CDATA[never closed')).toBeUndefined();
    expect(unescapeXml('a<b/>c')).toBeUndefined();
  });
});
