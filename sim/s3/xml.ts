// Just enough XML for S3's wire format: escaping for the responses we build, and reading the few
// request bodies S3 clients send (DeleteObjects, CreateBucket), whose shape is fixed and flat.
import { isUtf8 } from 'node:buffer';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/**
 * XML 1.0's Char production: a character reference to anything else (NUL, a lone surrogate, a code
 * point past U+10FFFF) makes the document not well-formed, so S3 answers MalformedXML.
 */
function isXmlChar(codePoint: number): boolean {
  return codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd
    || (codePoint >= 0x20 && codePoint <= 0xd7ff)
    || (codePoint >= 0xe000 && codePoint <= 0xfffd)
    || (codePoint >= 0x10000 && codePoint <= 0x10ffff);
}

/** Characters XML 1.0 allows nowhere in a document, raw: C0 controls but tab and line ends, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Whether `document` holds only characters XML allows: one raw U+0001 (botocore writes a key's
 * control characters as they are) makes it not well-formed, which S3 answers MalformedXML.
 */
export function hasOnlyXmlChars(document: string): boolean {
  return !NOT_XML_CHAR.test(document);
}

/**
 * A request body as the text of an XML document whose root element is `root`; undefined for bytes
 * that are no UTF-8 (they would read as U+FFFD, another key or value), a raw character XML does not
 * allow, or another document: what S3 answers MalformedXML.
 */
export function xmlDocumentOf(body: Buffer, root: string): string | undefined {
  const xml = body.toString('utf8');
  if (!isUtf8(body) || !hasOnlyXmlChars(xml)) return undefined;
  const withoutComments = commentsRemoved(xml);
  // The root closed last: an unclosed root, or markup after it (`</Delete><junk/>`), is no document
  // (fuzz audit: such bodies deleted keys and completed uploads).
  const closed = withoutComments?.trimEnd().endsWith(`</${root}>`) ?? false;
  return closed && withoutComments!.includes(`<${root}`) ? withoutComments : undefined;
}

/**
 * The document without its comments, which no parser reads as elements (a `<Part>` in one counted
 * as a part); undefined when a comment is never closed. Scanned with indexOf, in linear time.
 */
function commentsRemoved(xml: string): string | undefined {
  let kept = '';
  let from = 0;
  for (let open = xml.indexOf('<!--'); open !== -1; open = xml.indexOf('<!--', from)) {
    const close = xml.indexOf('-->', open + 4);
    if (close === -1) return undefined;
    kept += xml.slice(from, open);
    from = close + 3;
  }
  return kept + xml.slice(from);
}

/**
 * The text of an element, its references resolved; undefined when it is not well-formed XML text:
 * a character reference to no XML character (`&#x110000;` made String.fromCodePoint throw, a 500), or
 * an `&` that starts none of the five predefined entities. Entities a DTD declares are refused too
 * (a parser that reads no DTD, so neither external entities nor "billion laughs" expand).
 */
export function unescapeXml(text: string): string | undefined {
  // CDATA sections are text as written; the rest is read with its references resolved.
  let unescaped = '';
  let from = 0;
  for (let open = text.indexOf(CDATA_OPEN); open !== -1; open = text.indexOf(CDATA_OPEN, from)) {
    const close = text.indexOf(CDATA_CLOSE, open + CDATA_OPEN.length);
    const before = close === -1 ? undefined : referencesResolved(text.slice(from, open));
    if (before === undefined) return undefined;
    unescaped += before + text.slice(open + CDATA_OPEN.length, close);
    from = close + CDATA_CLOSE.length;
  }
  const rest = referencesResolved(text.slice(from));
  return rest === undefined ? undefined : unescaped + rest;
}

const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

/**
 * Character data with its references resolved; undefined when it holds markup (`<`: an element
 * inside one that holds text, such as `<Key>a<b/></Key>`, was read as the key `a<b/>`).
 */
function referencesResolved(text: string): string | undefined {
  if (text.includes('<')) return undefined;
  let wellFormed = true;
  const unescaped = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);|&/g, (match, entity: string | undefined) => {
    if (entity === undefined) {
      wellFormed = false;
      return match;
    }
    if (entity.startsWith('#')) {
      const codePoint = entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      if (!isXmlChar(codePoint)) {
        wellFormed = false;
        return match;
      }
      return String.fromCodePoint(codePoint);
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity]!;
  });
  return wellFormed ? unescaped : undefined;
}

/** `<Name>text</Name>`, escaped; nothing when the value is undefined. */
export function element(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * A time in S3's listings and results (`LastModified`, `Initiated`, `CreationDate`): S3 keeps
 * whole seconds (`2026-12-04T14:50:08.000Z`), as HeadObject's Last-Modified says. With the
 * milliseconds, a script comparing a listing's time with HeadObject's found them different
 * (stock-tools audit).
 */
export function s3Timestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
}

export function xmlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/**
 * Inner texts of every `<tag>...</tag>` in document order (no nesting of the same tag), found with
 * indexOf in linear time. A lazy regular expression took time in the square of the body: 192 KB
 * of unclosed `<Part>` held the kit's one event loop 2.4 s (an audit; a 64 MiB body, hours).
 */
export function elementTexts(xml: string, tag: string): string[] {
  const texts: string[] = [];
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let from = 0;
  for (let start = xml.indexOf(open); start !== -1; start = xml.indexOf(open, from)) {
    const afterName = start + open.length;
    const next = xml.charAt(afterName);
    // `<PartNumber>` is no `<Part>`: the name must end at `>` or at a space before attributes.
    if (next !== '>' && !/\s/.test(next)) {
      from = afterName;
      continue;
    }
    const contentStart = xml.indexOf('>', afterName) + 1;
    if (contentStart === 0) break;
    const end = xml.indexOf(close, contentStart);
    // No closing tag after this one: none after any later opening either.
    if (end === -1) break;
    texts.push(xml.slice(contentStart, end));
    from = end + close.length;
  }
  return texts;
}
