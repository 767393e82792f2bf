#!/usr/bin/env bash
# Side-by-side benchmark: debuglens vs ESLint (no-await-in-loop only) vs semgrep (equivalent rule)
# on the same generated JavaScript workspace, plus debuglens on a >= 500k-line mixed-language one.
# See README.md beside this file. Everything is configurable through the environment:
#
#   DEBUGLENS     debuglens binary        (default: $CARGO_TARGET_DIR or ./target, release build)
#   TOOLS_DIR     where eslint/semgrep are installed (default: ~/.cache/debuglens-bench-tools)
#   WORK_DIR      where workspaces and raw results go (default: a fresh mktemp -d)
#   JS_LINES      lines of the JS-only workspace        (default 120000)
#   MIXED_LINES   lines of the mixed workspace          (default 500000)
#   SEED          generator seed                        (default 42)
#   RUNS          timed runs per tool (median reported) (default 5; minimum 3)
#   WARMUP        untimed runs per tool first           (default 1)
#   SEMGREP_J1    also time semgrep with -j 1: 1/0     (default 1)
#   SETUP_ONLY=1  install the tools and exit
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/debuglens-bench-tools}"
JS_LINES="${JS_LINES:-120000}"
MIXED_LINES="${MIXED_LINES:-500000}"
SEED="${SEED:-42}"
RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
SEMGREP_J1="${SEMGREP_J1:-1}"
SEMGREP_VERSION="${SEMGREP_VERSION:-1.185.0}"
NPROC="$(nproc)"
[ "$RUNS" -ge 3 ] || { echo "RUNS must be >= 3" >&2; exit 2; }

export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
setup_tools() {
  mkdir -p "$TOOLS_DIR"
  if [ ! -x "$TOOLS_DIR/node_modules/.bin/eslint" ] || ! cmp -s "$HERE/package-lock.json" "$TOOLS_DIR/package-lock.json"; then
    cp "$HERE/package.json" "$HERE/package-lock.json" "$TOOLS_DIR/"
    (cd "$TOOLS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -x "$TOOLS_DIR/venv/bin/semgrep" ]; then
    python3 -m venv "$TOOLS_DIR/venv"
    "$TOOLS_DIR/venv/bin/pip" install -q "semgrep==$SEMGREP_VERSION"
  fi
  if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
  fi
  if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq time >/dev/null 2>&1 || true
  fi
}
setup_tools
[ "${SETUP_ONLY:-0}" = 1 ] && exit 0
[ -x /usr/bin/time ] || { echo "need GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

ESLINT="$TOOLS_DIR/node_modules/.bin/eslint"
SEMGREP="$TOOLS_DIR/venv/bin/semgrep"
if [ -z "${DEBUGLENS:-}" ]; then
  DEBUGLENS="${CARGO_TARGET_DIR:-$REPO/target}/release/debuglens"
  if [ ! -x "$DEBUGLENS" ]; then
    (cd "$REPO" && cargo build --release --bin debuglens)
  fi
fi
[ -x "$DEBUGLENS" ] || { echo "debuglens binary not found: $DEBUGLENS" >&2; exit 2; }

WORK_DIR="${WORK_DIR:-$(mktemp -d -t debuglens-bench.XXXXXX)}"
mkdir -p "$WORK_DIR/out"
JS_WS="$WORK_DIR/ws-js"
MIXED_WS="$WORK_DIR/ws-mixed"
OUT="$WORK_DIR/out"

echo "== generating workspaces in $WORK_DIR (seed $SEED)"
python3 "$HERE/gen_workspace.py" --out "$JS_WS" --lines "$JS_LINES" --langs js --seed "$SEED"
python3 "$HERE/gen_workspace.py" --out "$MIXED_WS" --lines "$MIXED_LINES" --langs mixed --seed "$SEED"
cp "$HERE/eslint.config.mjs" "$OUT/eslint.config.mjs"
RULE="$HERE/await-in-loop.semgrep.yaml"

# ---------------------------------------------------------------------------------------------
# Commands. Each runs from inside the workspace on '.', so every tool sees the same files and
# reports the same relative paths. Exit code 1 ("findings") is expected from all of them.
# ---------------------------------------------------------------------------------------------
# ESLint: -c disables config lookup (nothing else loads); flat config = espree + no-await-in-loop.
CMD_DL_JS="'$DEBUGLENS' check . --format json"
CMD_ESLINT="'$ESLINT' -c '$OUT/eslint.config.mjs' -f json ."
CMD_SG="'$SEMGREP' scan --config '$RULE' --metrics=off --disable-version-check --no-git-ignore --json --quiet -j $NPROC ."
CMD_SG1="'$SEMGREP' scan --config '$RULE' --metrics=off --disable-version-check --no-git-ignore --json --quiet -j 1 ."
CMD_DL_MIXED="'$DEBUGLENS' check . --format json"

# time_cmd NAME DIR CMD: median wall seconds over $RUNS runs into $OUT/NAME.median
time_cmd() {
  local name="$1" dir="$2" cmd="$3"
  echo "== timing $name: (cd $dir && $cmd)"
  if command -v hyperfine >/dev/null 2>&1; then
    (cd "$dir" && hyperfine --style basic -N -i --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$OUT/$name.hyperfine.json" --output=null "$cmd") | sed 's/^/   /'
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["median"])' \
      "$OUT/$name.hyperfine.json" > "$OUT/$name.median"
  else
    local i t ts=()
    for ((i = 0; i < WARMUP; i++)); do (cd "$dir" && eval "$cmd" >/dev/null 2>&1 || true); done
    for ((i = 0; i < RUNS; i++)); do
      t=$( { /usr/bin/time -f %e bash -c "cd '$dir' && $cmd >/dev/null 2>&1 || true"; } 2>&1 | tail -1 )
      ts+=("$t"); echo "   run $((i + 1)): ${t}s"
    done
    printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}' > "$OUT/$name.median"
  fi
  echo "   median $(cat "$OUT/$name.median") s (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
}

# rss_cmd NAME DIR CMD: one more run under /usr/bin/time -v; keeps stdout for the finding counts.
rss_cmd() {
  local name="$1" dir="$2" cmd="$3"
  (cd "$dir" && /usr/bin/time -v -o "$OUT/$name.timev" bash -c "$cmd > '$OUT/$name.stdout' 2> '$OUT/$name.stderr'") || true
  awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$name.timev" > "$OUT/$name.rsskb"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
time_cmd dl_js "$JS_WS" "$CMD_DL_JS";       rss_cmd dl_js "$JS_WS" "$CMD_DL_JS"
time_cmd eslint "$JS_WS" "$CMD_ESLINT";     rss_cmd eslint "$JS_WS" "$CMD_ESLINT"
time_cmd semgrep "$JS_WS" "$CMD_SG";        rss_cmd semgrep "$JS_WS" "$CMD_SG"
if [ "$SEMGREP_J1" = 1 ]; then
  time_cmd semgrep_j1 "$JS_WS" "$CMD_SG1";  rss_cmd semgrep_j1 "$JS_WS" "$CMD_SG1"
fi
time_cmd dl_mixed "$MIXED_WS" "$CMD_DL_MIXED"; rss_cmd dl_mixed "$MIXED_WS" "$CMD_DL_MIXED"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
python3 - "$OUT" "$JS_WS" "$MIXED_WS" "$NPROC" "$LOAD_BEFORE" "$LOAD_AFTER" "$RUNS" "$SEMGREP_J1" \
  "$DEBUGLENS" "$ESLINT" "$SEMGREP" <<'PY'
import json, os, subprocess, sys, collections
out, js_ws, mixed_ws, nproc, load_before, load_after, runs, sg_j1, dl, eslint, semgrep = sys.argv[1:]

def rd(name, ext):
    p = os.path.join(out, f"{name}.{ext}")
    return open(p).read().strip() if os.path.exists(p) else ""

def med(name):
    v = rd(name, "median")
    return float(v) if v else float("nan")

def rss_mib(name):
    v = rd(name, "rsskb")
    return int(v) / 1024 if v else float("nan")

def load_json(name):
    try:
        return json.loads(rd(name, "stdout"))
    except Exception:
        return None

def ver(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[0]
    except Exception as e:
        return f"? ({e})"

js_man = json.load(open(os.path.join(js_ws, "manifest.json")))
mx_man = json.load(open(os.path.join(mixed_ws, "manifest.json")))

def dl_counts(name):
    d = load_json(name)
    if d is None:
        return None, {}, {}
    f = d.get("findings", [])
    loop = [x for x in f if x.get("rule") == "loop-remote-call"]
    sev = collections.Counter(x.get("severity") for x in loop)
    ext = collections.Counter(os.path.splitext(x.get("path", ""))[1] for x in loop)
    return len(loop), dict(sev), dict(ext)

dl_js_n, dl_js_sev, _ = dl_counts("dl_js")
dl_mx_n, dl_mx_sev, dl_mx_ext = dl_counts("dl_mixed")
es = load_json("eslint")
es_n = sum(1 for f in es for m in f["messages"] if m.get("ruleId") == "no-await-in-loop") if es else None
es_fatal = sum(1 for f in es for m in f["messages"] if m.get("fatal")) if es else None
sg = load_json("semgrep")
sg_n = len(sg["results"]) if sg else None
sg_err = len(sg["errors"]) if sg else None
sg1 = load_json("semgrep_j1") if sg_j1 == "1" else None

t_dl, t_es, t_sg, t_sg1, t_mx = med("dl_js"), med("eslint"), med("semgrep"), med("semgrep_j1"), med("dl_mixed")

def fmt_t(t):
    return f"{t:8.3f}" if t == t else "     n/a"

rows = [
    ("debuglens check (JS ws)", t_dl, rss_mib("dl_js"), f"{dl_js_n} loop-remote-call {dl_js_sev}"),
    ("eslint no-await-in-loop (JS ws)", t_es, rss_mib("eslint"), f"{es_n} no-await-in-loop (fatal parse errors: {es_fatal})"),
    (f"semgrep -j {nproc} (JS ws)", t_sg, rss_mib("semgrep"), f"{sg_n} await-in-loop (errors: {sg_err})"),
]
if sg_j1 == "1":
    rows.append(("semgrep -j 1 (JS ws)", t_sg1, rss_mib("semgrep_j1"), f"{len(sg1['results']) if sg1 else None} await-in-loop"))
rows.append(("debuglens check (mixed ws)", t_mx, rss_mib("dl_mixed"), f"{dl_mx_n} loop-remote-call {dl_mx_sev}"))

print()
print("=" * 100)
cpu = ver(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).strip()
print(f"machine: nproc={nproc}  load average before={load_before}  after={load_after}  cpu={cpu}")
print(f"tools: {ver([dl, '--version'])} | eslint {ver([eslint, '--version'])} | semgrep {ver([semgrep, '--version'])}")
print(f"JS ws:    {js_man['total_lines']} lines, {js_man['total_files']} .js files; ground truth: "
      f"{js_man['js_await_in_loop']} awaits in loops, {js_man['remote_in_loop']} remote calls in loops, "
      f"{js_man['n1_files']} files with an N+1")
mx_langs = ", ".join(f"{k} {v['lines']}" for k, v in mx_man["langs"].items())
print(f"mixed ws: {mx_man['total_lines']} lines, {mx_man['total_files']} source files "
      f"({mx_langs}); ground truth: "
      f"{mx_man['remote_in_loop']} remote calls in loops, {mx_man['n1_files']} files with an N+1")
print(f"median of {runs} runs (wall clock, hyperfine -N after warm-up); peak RSS from one /usr/bin/time -v run")
print()
print(f"{'tool':34} {'median s':>8} {'peak RSS MiB':>13}  findings")
print("-" * 100)
for name, t, r, f in rows:
    print(f"{name:34} {fmt_t(t)} {r:13.1f}  {f}")
print("-" * 100)
def ratio(a, b):
    return a / b if b == b and b > 0 else float("nan")
r_es, r_sg = ratio(t_es, t_dl), ratio(t_sg, t_dl)
print(f"eslint/debuglens  = {r_es:6.2f}x   (target >= 5x: {'MET' if r_es >= 5 else 'MISSED'})")
print(f"semgrep/debuglens = {r_sg:6.2f}x   (target >= 20x: {'MET' if r_sg >= 20 else 'MISSED'}; semgrep ran with -j {nproc})")
if sg_j1 == "1":
    print(f"semgrep(-j 1)/debuglens = {ratio(t_sg1, t_dl):6.2f}x")
print(f"mixed ws: {t_mx:.3f} s for {mx_man['total_lines']} lines = {mx_man['total_lines'] / t_mx / 1000:.0f}k lines/s, "
      f"peak RSS {rss_mib('dl_mixed'):.1f} MiB; per extension: {dl_mx_ext}")
print("fairness: eslint and debuglens check run as single processes (debuglens may use threads "
      "internally; see 'Percent of CPU' in the .timev files); semgrep ran as shown (-j).")
for n in ["dl_js", "eslint", "semgrep", "dl_mixed"]:
    tv = rd(n, "timev")
    cpu = [l.split(": ")[1] for l in tv.splitlines() if "Percent of CPU" in l]
    print(f"   {n}: CPU {cpu[0] if cpu else '?'} of one core during the /usr/bin/time run")
ok = es_n == js_man["js_await_in_loop"] and sg_n == js_man["js_await_in_loop"]
print(f"sanity: eslint and semgrep each report every await in a loop ({js_man['js_await_in_loop']}): "
      f"{'yes' if ok else 'NO'}; debuglens reports remote calls only: {dl_js_n} of "
      f"{js_man['remote_in_loop']} remote-call-in-loop sites")
print(f"raw results: {out}")
PY
