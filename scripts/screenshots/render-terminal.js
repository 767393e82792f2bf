// Render a terminal capture (`tmux capture-pane -e -p`: text with SGR escapes) to a PNG with headless
// chromium: the cells become HTML spans in a monospace font, and chromium takes the screenshot.
// Usage: node render-terminal.js <capture.ansi> <out.png> <cols> <rows> [cursorCol cursorRow]
// Env: CHROMIUM (browser binary, default /usr/lib/chromium/chromium), PLAYWRIGHT_CORE (module path).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const [input, output, colsArg, rowsArg, curX, curY] = process.argv.slice(2);
if (!rowsArg) {
  console.error('usage: render-terminal.js <capture.ansi> <out.png> <cols> <rows> [cursorCol cursorRow]');
  process.exit(2);
}
const COLS = Number(colsArg);
const ROWS = Number(rowsArg);
const DEFAULT_FG = '#e0e2ea'; // Neovim's NvimLightGrey2 / NvimDarkGrey2, the default colorscheme
const DEFAULT_BG = '#14161b';

// xterm's 256-colour palette
const BASE16 = ['#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
  '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff'];
const hex = (r, g, b) => '#' + [r, g, b].map((v) => Number(v).toString(16).padStart(2, '0')).join('');
function palette(n) {
  if (n < 16) return BASE16[n];
  if (n < 232) {
    const i = n - 16;
    const lv = (v) => (v ? 55 + v * 40 : 0);
    return hex(lv(Math.floor(i / 36)), lv(Math.floor(i / 6) % 6), lv(i % 6));
  }
  const g = 8 + (n - 232) * 10;
  return hex(g, g, g);
}

const fresh = () => ({ fg: null, bg: null, ul: null, bold: false, dim: false, italic: false, under: 0, reverse: false, strike: false });

/** Apply one SGR sequence (the text between ESC[ and m) to the attribute state. */
function sgr(state, body) {
  const params = body === '' ? ['0'] : body.split(';');
  // colour arguments may follow as further ;-params (38;2;r;g;b) or as :-subparams (38:2::r:g:b)
  for (let i = 0; i < params.length; i++) {
    const sub = params[i].split(':');
    const p = Number(sub[0] || 0);
    const colour = () => {
      let args;
      if (sub.length > 1) args = sub.slice(1);
      else { args = params.slice(i + 1, i + 1 + (params[i + 1] === '2' ? 4 : 2)); i += args.length; }
      if (args[0] === '5') return palette(Number(args[1]));
      if (args[0] === '2') {
        const rgb = args.length >= 5 ? args.slice(2, 5) : args.slice(1, 4); // 38:2::r:g:b has a colour-space id
        return hex(...rgb.map(Number));
      }
      return null;
    };
    if (p === 0) Object.assign(state, fresh());
    else if (p === 1) state.bold = true;
    else if (p === 2) state.dim = true;
    else if (p === 3) state.italic = true;
    else if (p === 4) state.under = sub.length > 1 ? Number(sub[1]) : 1;
    else if (p === 7) state.reverse = true;
    else if (p === 9) state.strike = true;
    else if (p === 21) state.under = 2;
    else if (p === 22) state.bold = state.dim = false;
    else if (p === 23) state.italic = false;
    else if (p === 24) state.under = 0;
    else if (p === 27) state.reverse = false;
    else if (p === 29) state.strike = false;
    else if (p >= 30 && p <= 37) state.fg = BASE16[p - 30];
    else if (p === 38) state.fg = colour();
    else if (p === 39) state.fg = null;
    else if (p >= 40 && p <= 47) state.bg = BASE16[p - 40];
    else if (p === 48) state.bg = colour();
    else if (p === 49) state.bg = null;
    else if (p === 58) state.ul = colour();
    else if (p === 59) state.ul = null;
    else if (p >= 90 && p <= 97) state.fg = BASE16[p - 90 + 8];
    else if (p >= 100 && p <= 107) state.bg = BASE16[p - 100 + 8];
  }
}

/** The capture as rows of cells {ch, style}. Wide characters take two cells (the second is empty). */
function parse(text) {
  const rows = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const state = fresh(); // capture-pane starts every line from the default attributes
    const cells = [];
    const re = /\x1b\[([0-9;:]*)m|\x1b[^a-zA-Z]*[a-zA-Z]|([\s\S])/gu;
    let m;
    while ((m = re.exec(line))) {
      if (m[1] !== undefined) sgr(state, m[1]);
      else if (m[2] !== undefined) {
        cells.push({ ch: m[2], s: { ...state } });
        if (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}]/u.test(m[2])) {
          cells.push({ ch: '', s: { ...state } });
        }
      }
    }
    rows.push(cells);
  }
  while (rows.length < ROWS) rows.push([]);
  return rows.slice(0, ROWS);
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function css(s, cursor) {
  let fg = s.fg || DEFAULT_FG;
  let bg = s.bg || DEFAULT_BG;
  if (s.reverse !== cursor) [fg, bg] = [bg, fg];
  const out = [`color:${fg}`];
  if (bg !== DEFAULT_BG) out.push(`background:${bg}`);
  if (s.bold) out.push('font-weight:bold');
  if (s.italic) out.push('font-style:italic');
  if (s.dim) out.push('opacity:.7');
  const deco = [];
  if (s.under) deco.push('underline');
  if (s.strike) deco.push('line-through');
  if (deco.length) {
    out.push(`text-decoration:${deco.join(' ')}`);
    if (s.under === 3) out.push('text-decoration-style:wavy');
    else if (s.under === 2) out.push('text-decoration-style:double');
    else if (s.under === 4) out.push('text-decoration-style:dotted');
    else if (s.under === 5) out.push('text-decoration-style:dashed');
    if (s.ul) out.push(`text-decoration-color:${s.ul}`);
    out.push('text-decoration-skip-ink:none');
  }
  return out.join(';');
}

function html(rows) {
  const cx = curX === undefined ? -1 : Number(curX);
  const cy = curY === undefined ? -1 : Number(curY);
  const lines = rows.map((cells, y) => {
    const padded = cells.slice(0, COLS);
    while (padded.length < COLS) padded.push({ ch: ' ', s: fresh() });
    let out = '';
    let run = '';
    let runCss = null;
    padded.forEach((c, x) => {
      const style = css(c.s, x === cx && y === cy);
      if (style !== runCss) {
        if (runCss !== null) out += `<span style="${runCss}">${esc(run)}</span>`;
        run = '';
        runCss = style;
      }
      run += c.ch;
    });
    if (runCss !== null) out += `<span style="${runCss}">${esc(run)}</span>`;
    return out;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    html,body{margin:0;background:${DEFAULT_BG}}
    #term{display:inline-block;padding:10px 12px;background:${DEFAULT_BG};color:${DEFAULT_FG};
      font:15px/19px "DejaVu Sans Mono","Liberation Mono",monospace;white-space:pre;
      font-variant-ligatures:none;text-rendering:geometricPrecision}
  </style></head><body><div id="term">${lines.join('\n')}</div></body></html>`;
}

(async () => {
  const rows = parse(fs.readFileSync(input, 'utf8'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'debuglens-shot-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    await page.setContent(html(rows));
    await page.locator('#term').screenshot({ path: output });
  } finally {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
