/**
 * HTTP Date parsing: glibc strptime("%a, %d %b %Y %H:%M:%S %Z") acceptance and mktime()
 * with tm_isdst = 0. Expected values were produced by glibc 2.36 (strptime + mktime with
 * tm_isdst forced to 0) under TZ=UTC and TZ=Europe/Berlin; when a C compiler is present the
 * test also checks a few thousand mutated dates against the live libc.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseHttpDate, strptimeHttp } from '../../src/fingerprint/http-date.ts';

const savedTz = process.env.TZ;
after(() => {
  if (savedTz === undefined) delete process.env.TZ; else process.env.TZ = savedTz;
});

/** [Date value, result with TZ=UTC, result with TZ=Europe/Berlin] (0 = not parsed). */
const CASES: Array<[string, number, number]> = [
  ["Mon, 01 Jan 2018 00:00:00 GMT", 1514764800, 1514761200],
  ["Tue, 15 Nov 1994 08:12:31 GMT", 784887151, 784883551],
  ["tue, 15 nov 1994 08:12:31 gmt", 784887151, 784883551],
  ["TUESDAY, 15 NOVEMBER 1994 08:12:31 GMT", 784887151, 784883551],
  ["Tue, 15 Nov 1994 08:12:31", 784887151, 784883551],
  ["Tue, 15 Nov 1994 08:12:31 GMT trailing junk", 784887151, 784883551],
  ["Tue, 15 Nov 1994 08:12:31+0200", 784887151, 784883551],
  [" Tue, 15 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue,15 Nov 1994 08:12:31 GMT", 784887151, 784883551],
  ["Tue ,15 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue,   15   Nov   1994   08:12:31 GMT", 784887151, 784883551],
  ["Tue, 15Nov1994 08:12:31 GMT", 784887151, 784883551],
  ["Tue, 15 Nov 1994 8:1:3 GMT", 784886463, 784882863],
  ["Tue, 15 Nov 1994 08 :12:31 GMT", 0, 0],
  ["Tue, 15 Nov 1994 08: 12: 31 GMT", 784887151, 784883551],
  ["Tue,\t15\tNov\t1994\t08:12:31\tGMT", 784887151, 784883551],
  ["Sunday, 06-Nov-94 08:49:37 GMT", 0, 0],
  ["Sun Nov  6 08:49:37 1994", 0, 0],
  ["Tu, 15 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tuesda, 15 Nov 1994 08:12:31 GMT", 0, 0],
  ["Xyz, 15 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue, 00 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue, 32 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue, 45 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue, 015 Nov 1994 08:12:31 GMT", 0, 0],
  ["Tue, 5 Nov 1994 08:12:31 GMT", 784023151, 784019551],
  ["Tue, 31 Feb 2018 00:00:00 GMT", 1520035200, 1520031600],
  ["Tue, 15 Nox 1994 08:12:31 GMT", 0, 0],
  ["Tue, 15 November 1994 08:12:31 GMT", 784887151, 784883551],
  ["Tue, 15 Novem 1994 08:12:31 GMT", 0, 0],
  ["Tue, 15 May 1994 08:12:31 GMT", 768989551, 768985951],
  ["Tue, 15 Nov 94 08:12:31 GMT", 956285295, 956282087],
  ["Tue, 15 Nov 19945 08:12:31 GMT", 0, 0],
  ["Tue, 15 Nov 0 00:00:00 GMT", 2284851840, 2284848632],
  ["Tue, 15 Nov 1969 23:59:59 GMT", 4290992895, 4290989295],
  ["Thu, 01 Jan 1970 00:00:00 GMT", 0, 4294963696],
  ["Thu, 01 Jan 1970 00:00:01 GMT", 1, 4294963697],
  ["Tue, 19 Jan 2038 03:14:08 GMT", 2147483648, 2147480048],
  ["Sun, 07 Feb 2106 06:28:16 GMT", 0, 4294963696],
  ["Fri, 31 Dec 9999 23:59:59 GMT", 4294197631, 4294194031],
  ["Tue, 15 Nov 1994 24:00:00 GMT", 0, 0],
  ["Tue, 15 Nov 1994 23:60:00 GMT", 0, 0],
  ["Tue, 15 Nov 1994 23:59:60 GMT", 784944000, 784940400],
  ["Tue, 15 Nov 1994 23:59:61 GMT", 784944001, 784940401],
  ["Tue, 15 Nov 1994 23:59:62 GMT", 0, 0],
  ["Tue, 15 Nov 1994 23:59 GMT", 0, 0],
  ["Tue, 15 Nov 1994 23:59:", 0, 0],
  ["MonTuesday, 15 Nov 1994 08:12:31 GMT", 784887151, 784883551],
  ["SunMon, 15 Nov 1994 08:12:31 GMT", 784887151, 784883551],
  ["Mon, 15 Nov 1994 08:12:31 GMT", 784887151, 784883551],
  ["Wed, 01 Jul 2015 12:00:00 GMT", 1435752000, 1435748400],
];

describe('HTTP Date (parse_date)', () => {
  test('glibc results, TZ=UTC', () => {
    process.env.TZ = 'UTC';
    for (const [s, utc] of CASES) assert.equal(parseHttpDate(s), utc, JSON.stringify(s));
  });

  test('glibc results, TZ=Europe/Berlin (summer dates read as standard time)', () => {
    process.env.TZ = 'Europe/Berlin';
    try {
      for (const [s, , ber] of CASES) assert.equal(parseHttpDate(s), ber, JSON.stringify(s));
    } finally {
      process.env.TZ = 'UTC';
    }
  });

  test('fields as strptime fills them', () => {
    const t = strptimeHttp('Tue, 5 Nov 1994 8:1:3 GMT');
    assert.deepEqual({ ...t }, { year: 1994, mon: 10, mday: 5, hour: 8, min: 1, sec: 3 });
    assert.equal(strptimeHttp(''), null);
    assert.equal(strptimeHttp('Tue'), null);
    assert.equal(strptimeHttp('Tue,'), null);
  });
});

/** Compile a tiny strptime/mktime probe; null when no C compiler is around. */
function buildProbe(dir: string): string | null {
  const c = join(dir, 'pd.c');
  const exe = join(dir, 'pd');
  writeFileSync(c, `#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <locale.h>
#include <stdint.h>
int main(void){ setlocale(LC_TIME,"C"); char line[8192];
  while (fgets(line,sizeof line,stdin)) { size_t n=strlen(line); if(n&&line[n-1]=='\\n') line[--n]=0;
    char buf[4096]; size_t k=0; for(size_t i=0;i+1<n;i+=2){unsigned v; sscanf(line+i,"%2x",&v); buf[k++]=(char)v;}
    buf[k]=0; struct tm t; memset(&t,0x55,sizeof t);
    if(!strptime(buf,"%a, %d %b %Y %H:%M:%S %Z",&t)){puts("0");continue;}
    t.tm_isdst=0; printf("%u\\n",(uint32_t)mktime(&t)); } return 0; }
`);
  try {
    execFileSync('cc', ['-O1', '-o', exe, c], { stdio: 'ignore' });
    return exe;
  } catch {
    return null;
  }
}

describe('HTTP Date against the live libc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p0f-date-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const probe = process.platform === 'linux' ? buildProbe(dir) : null;

  test('mutated dates agree with glibc (TZ=UTC)', { skip: probe ? false : 'no C compiler / not Linux' }, () => {
    process.env.TZ = 'UTC';
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = 'MonTueWedThuFriSatSunJanFebMarAprMayJunJulAugSepOctNovDecdaymonth, :0123456789\t\v\f\rGMT';
    const seeds = CASES.map((c) => c[0]);
    const cases: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let s = seeds[rnd(seeds.length)]!;
      for (let j = rnd(4) + 1; j > 0; j--) {
        const p = rnd(s.length + 1);
        const c = rnd(10) < 8 ? alphabet[rnd(alphabet.length)]! : String.fromCharCode(1 + rnd(255));
        const op = rnd(4);
        if (op === 0) s = s.slice(0, p) + c + s.slice(p);
        else if (op === 1) s = s.slice(0, p) + s.slice(p + 1);
        else if (op === 2) s = s.slice(0, p) + c + s.slice(p + 1);
        else s = s.slice(0, p) + String(rnd(100)) + s.slice(p);
      }
      cases.push(s);
    }
    const input = cases.map((s) => Buffer.from(s, 'latin1').toString('hex')).join('\n') + '\n';
    const out = execFileSync(probe!, { input, env: { TZ: 'UTC' }, maxBuffer: 1 << 24 }).toString().split('\n');
    cases.forEach((s, i) => assert.equal(String(parseHttpDate(s)), out[i], JSON.stringify(s)));
  });
});
