// Accessibility checks for the browser tests: axe-core (Deque's engine, from npm) with the WCAG
// 2.0/2.1 A and AA rules, plus the two WCAG 2.1 checks axe leaves out: non-text contrast of
// field and card borders (1.4.11, >= 3:1) and placeholder text contrast (1.4.3, >= 4.5:1).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Runs axe in a page or frame; returns the violations as short strings ("rule: target (summary)").
export async function axeViolations(frame, { exclude = [] } = {}) {
  // Colours are judged once CSS transitions have ended (a button fading back from its hover or
  // busy colour is not the state a person reads).
  await frame.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
  const has = await frame.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await frame.evaluate(AXE_SOURCE);
  const result = await frame.evaluate(async ({ tags, exclude: ex }) => {
    const r = await window.axe.run({ exclude: ex.map((s) => [s]) }, {
      runOnly: { type: 'tag', values: tags },
      // 2.5.3 "label in name" is an axe rule marked experimental: asked for explicitly.
      rules: { 'label-content-name-mismatch': { enabled: true } },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${(n.failureSummary || '').split('\n').slice(1, 2).join('').trim()})`)).flat();
  }, { tags: WCAG_TAGS, exclude });
  return result;
}

// Borders of visible inputs, selects, textareas and the given cards against what is behind them,
// and placeholder colours against the field. Returns failures as strings.
export async function contrastProblems(frame, cardSelector) {
  return frame.evaluate((cards) => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || '');
      if (!m) return null;
      const p = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (x, y) => { const a = lum(x), b = lum(y); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
    const over = (top, bottom) => ({
      r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
    });
    const behind = (node) => {
      const layers = [];
      for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c && c.a > 0) { layers.push(c); if (c.a === 1) break; }
      }
      let out = { r: 255, g: 255, b: 255, a: 1 };
      if (!layers.length || layers[layers.length - 1].a < 1) {
        const dark = matchMedia('(prefers-color-scheme: dark)').matches;
        out = dark ? { r: 0, g: 0, b: 0, a: 1 } : out;
      }
      for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i], out);
      return out;
    };
    const visible = (n) => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden';
    const problems = [];
    const fields = [...document.querySelectorAll('input[type=text], input[type=password], input[type=url], input[type=date], input:not([type]), select, textarea')];
    const all = fields.concat(cards ? [...document.querySelectorAll(cards)] : []);
    for (const n of all) {
      if (!visible(n) || n.closest('.visually-hidden') || n.classList.contains('visually-hidden')) continue;
      const s = getComputedStyle(n);
      if (parseFloat(s.borderTopWidth) === 0) continue;
      const border = parse(s.borderTopColor);
      const outside = behind(n.parentElement);
      const name = n.id || n.className || n.tagName;
      const r = ratio(over(border, outside), outside);
      if (r < 3) problems.push(`border of ${name}: ${r.toFixed(2)}:1`);
      if (n.placeholder && (n.tagName === 'INPUT' || n.tagName === 'TEXTAREA') && !n.readOnly && !n.disabled) {
        const ph = parse(getComputedStyle(n, '::placeholder').color);
        const bg = behind(n);
        const pr = ratio(over(ph, bg), bg);
        if (pr < 4.5) problems.push(`placeholder of ${name}: ${pr.toFixed(2)}:1`);
      }
    }
    return problems;
  }, cardSelector || '');
}
