import { describe, expect, it } from 'vitest';
import { escapeXml, parseAttributes, serialise } from './open311.format.ts';

describe('Open311 format layer', () => {
  it('writes a list as the spec shows: services/service in XML, a top-level array in JSON', () => {
    const services = [
      {
        service_code: 'pothole',
        service_name: 'Report a pothole',
        description: 'Holes & "dips" <in> the road',
        metadata: true,
        type: 'realtime',
        keywords: 'pothole, road',
        group: 'Highways',
      },
    ];
    expect(serialise('xml', 'services', services)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<services><service><service_code>pothole</service_code>' +
        '<service_name>Report a pothole</service_name><description>Holes &amp; &quot;dips&quot; &lt;in&gt; the road</description>' +
        '<metadata>true</metadata><type>realtime</type><keywords>pothole, road</keywords><group>Highways</group></service></services>',
    );
    expect(JSON.parse(serialise('json', 'services', services))).toEqual(services);
  });

  it('nests attributes/attribute and values/value, and writes dates in ISO 8601 with the zone', () => {
    const definition = {
      service_code: 'pothole',
      attributes: [
        { code: 'depth', required: true, order: 1, values: [{ key: 'deep', name: 'More than 10cm' }] },
      ],
    };
    expect(serialise('xml', 'service_definition', definition)).toContain(
      '<attributes><attribute><code>depth</code><required>true</required><order>1</order>' +
        '<values><value><key>deep</key><name>More than 10cm</name></value></values></attribute></attributes>',
    );
    expect(serialise('json', 'discovery', { changeset: new Date('2026-11-22T16:00:00.123Z') })).toBe(
      '{"changeset":"2026-11-22T16:00:00Z"}',
    );
    expect(serialise('xml', 'discovery', { contact: null, formats: ['text/xml'] })).toContain(
      '<contact></contact><formats><format>text/xml</format></formats>',
    );
  });

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(escapeXml(`a<b>&'"\u0000\u0007c\tline\nend\uFFFF ✓ \u{1F600}`)).toBe(
      'a&lt;b&gt;&amp;&apos;&quot;c\tline\nend ✓ \u{1F600}',
    );
    expect(escapeXml('lone \uD800 surrogate')).toBe('lone \uFFFD surrogate');
    // A CR survives parsing only as a reference (a parser reads a raw CR LF as LF).
    expect(escapeXml('para1\r\npara2')).toBe('para1&#13;\npara2');
  });

  it('reads attribute[code] and attribute[code][] from a form body', () => {
    const body = new URLSearchParams(
      'service_code=pothole&attribute[depth]=deep&attribute[items][]=sofa&attribute[items][]=fridge&attribute[one][]=only&attribute[again]=a&attribute[again]=b&api_key=x',
    );
    const form: Record<string, string | string[]> = {};
    for (const [k, v] of body) {
      const existing = form[k];
      form[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
    }
    expect(parseAttributes(form)).toEqual({
      attributes: { depth: 'deep', items: ['sofa', 'fridge'], one: ['only'], again: ['a', 'b'] },
      errors: [],
    });
  });

  it('reads indexed lists, as PHP and Rails clients send them (attribute[code][0])', () => {
    expect(parseAttributes({ 'attribute[items][0]': 'sofa', 'attribute[items][1]': 'fridge' })).toEqual({
      attributes: { items: ['sofa', 'fridge'] },
      errors: [],
    });
  });

  it('names each bad attribute field', () => {
    expect(parseAttributes({ 'attribute[bad code]': 'x', attribute: 'y', 'attribute[n]': 3 }).errors).toEqual(
      [
        {
          field: 'attribute[bad code]',
          message: 'attribute[bad code] has an invalid code; codes are letters, digits, _, . and -',
        },
        {
          field: 'attribute',
          message: 'attribute is not a valid attribute field; send attribute[code]=value',
        },
        { field: 'attribute[n]', message: 'attribute[n] must be text' },
      ],
    );
  });
});
