/** Local-time stamps as p0f's strftime("%Y/%m/%d %H:%M:%S", localtime(t)). */

let cachedSec = Number.NaN;
let cachedText = '';

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export function formatLocalTime(sec: number): string {
  if (sec === cachedSec) return cachedText;
  const d = new Date(sec * 1000);
  cachedText = `${d.getFullYear()}/${pad2(d.getMonth() + 1)}/${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  cachedSec = sec;
  return cachedText;
}
