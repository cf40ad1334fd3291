/**
 * Accept-Language -> `lang` (p0f's languages.h and the rule in fingerprint_http).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { httpLangField } from '../../src/fingerprint/http-fp.ts';
import { allLanguages, langHash, lookupLanguage } from '../../src/fingerprint/languages.ts';

describe('languages table', () => {
  test('LANG_HASH is ((b0 * b1) ^ b1) & 0xff', () => {
    assert.equal(langHash(0x65, 0x6e), ((0x65 * 0x6e) ^ 0x6e) & 0xff); // "en"
    assert.equal(langHash(0x65, 0x6e), 0x08);
    assert.equal(langHash(0x64, 0x65), 0x11); // "de"
    assert.equal(langHash(0x7a, 0x68), 0xf8); // "zh"
  });

  test('185 languages, each found through its own bucket', () => {
    const all = allLanguages();
    assert.equal(all.length, 185);
    for (const [code, name] of all) {
      assert.equal(lookupLanguage(code.charCodeAt(0), code.charCodeAt(1)), name, code);
    }
  });

  test('bucket neighbours and misses', () => {
    const l = (s: string): string | null => lookupLanguage(s.charCodeAt(0), s.charCodeAt(1));
    assert.equal(l('en'), 'English');
    assert.equal(l('ie'), 'Interlingue'); // same bucket as en
    assert.equal(l('pa'), 'Panjabi'); // third in its bucket
    assert.equal(l('zh'), 'Chinese');
    assert.equal(l('nb'), 'Norwegian Bokmal');
    assert.equal(l('EN'), null); // codes are compared as bytes: upper case is unknown
    assert.equal(l('xx'), null);
    assert.equal(l('qq'), null);
  });
});

describe('lang field', () => {
  const cases: Array<[string | null, string | null]> = [
    [null, 'none'], // no Accept-Language
    ['', 'none'],
    ['e', 'none'],
    ['en', 'English'],
    ['en-US,en;q=0.8', 'English'],
    ['de;q=1', 'German'],
    ['zh-CN', 'Chinese'],
    ['eng', 'none'], // third char a letter
    ['english', 'none'],
    ['EN-us', null], // two letters, not in the table: ???
    ['xx', null],
    ['Zz,en', null],
    ['e1', 'none'],
    ['1e', 'none'],
    ['*', 'none'],
    [' en', 'none'],
    ['\xe9n', 'none'], // non-ASCII is not alpha in the C locale
    ['en\xe9', 'English'],
  ];
  for (const [value, field] of cases) {
    test(`${JSON.stringify(value)} -> ${JSON.stringify(field)}`, () => {
      const r = httpLangField(value);
      assert.equal(r.field, field);
      assert.equal(r.name, field === 'none' ? null : field);
    });
  }
});
