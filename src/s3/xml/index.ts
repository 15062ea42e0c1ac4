// S3 XML in and out, through fast-xml-parser. Builders take plain objects; arrays repeat their element.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const builder = new XMLBuilder({
  attributeNamePrefix: '@',
  ignoreAttributes: false,
  suppressEmptyNode: false,
  processEntities: true,
});

export type XmlValue = string | number | boolean | XmlNode | XmlValue[] | undefined;
export interface XmlNode {
  [name: string]: XmlValue;
}

/**
 * `<root xmlns="…">…</root>` with the XML declaration; undefined members are left out. Results carry the
 * S3 namespace; `<Error>` documents carry none, as S3 sends them (`namespace: null`).
 */
export function buildXml(root: string, body: XmlNode, namespace: string | null = S3_XMLNS): string {
  const node: XmlNode = namespace === null ? body : { '@xmlns': namespace, ...body };
  return DECLARATION + (builder.build({ [root]: node }) as string);
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
// Object keys may begin or end with spaces: documents that carry keys are parsed without trimming.
const exactParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false });

/**
 * Parses a small request document (it arrives size-limited); malformed input is MalformedXML.
 * `exact` keeps leading and trailing whitespace of values (for keys).
 */
export function parseXml(text: string, exact = false): Record<string, unknown> {
  if (text.trim() === '') return {};
  if (XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML');
  return (exact ? exactParser : parser).parse(text) as Record<string, unknown>;
}

/** An element that may occur once or many times, as a list. */
export function many(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}
