#!/usr/bin/env python3
"""Precision and recall of `debuglens check` on real code nobody here wrote.

The cases (`cases-*.toml` beside this script) are pointers into public repositories — repository,
commit, path, loop line, call line — with a hand label: `positive` (one remote round trip or more
per iteration, iterations independent), `negative` (looks like it, is not) or `sequential` (each
request depends on the previous one, or must stay one at a time). The sources are not committed;
this script materialises each repository at its commit from local mirrors (bare git directories,
`$MIRRORS/<owner>+<name>/…`, as the search tool's `fetch` leaves them), runs `check` once per
repository, and scores every case:

- a warning on the case's file whose loop line or call line is the case's counts as a report;
- precision = reported positives / all reported cases; recall = reported positives / positives;
- a sequential case reported as a hint (not a warning) counts as spared.

Usage: DEBUGLENS=target/release/debuglens python3 benches/n_plus_one_corpus/run.py [--split tune|check|all] [-v]
  MIRRORS   where the bare mirrors are (default /work/.mirror)
  CACHE     where repositories are materialised (default target/n_plus_one_corpus)
A benchmark, not a test: it needs the mirrors and is not run in CI. `-v` lists the tuning split's
misses (never the checking split's).
"""
import json
import os
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MIRRORS = Path(os.environ.get("MIRRORS", "/work/.mirror"))
CACHE = Path(os.environ.get("CACHE", ROOT / "target" / "n_plus_one_corpus"))
DEBUGLENS = os.environ.get("DEBUGLENS", str(ROOT / "target" / "release" / "debuglens"))


def git_dir(repo):
    base = MIRRORS / repo.replace("/", "+")
    for cand in [base / "repo", base]:
        if (cand / "HEAD").exists():
            return cand
    found = [p.parent for p in base.glob("**/HEAD")] if base.exists() else []
    return found[0] if found else None


# What `check` reads (source files of the five languages) and what resolution may consult.
KEEP = (".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".go", ".rs",
        ".java", "go.mod", "Cargo.toml", "package.json", "pyproject.toml", "pom.xml", ".gitignore")


def materialise(repo, commit):
    """The commit's source files, written from the mirror's objects (blobs the mirror lacks, such as
    the large files a snapshot leaves out, are skipped). Nothing of the repository runs."""
    dest = CACHE / f"{repo.replace('/', '+')}@{commit[:12]}"
    if (dest / ".materialised").exists():
        return dest
    gd = git_dir(repo)
    if gd is None:
        return None
    git = ["git", "-c", "core.fsmonitor=false", f"--git-dir={gd}"]
    ls = subprocess.run(git + ["ls-tree", "-r", "-z", commit], capture_output=True)
    if ls.returncode != 0:
        return None
    entries = []
    for rec in ls.stdout.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, oid = meta.split()
        name = path.decode("utf-8", "replace")
        if kind == b"blob" and mode != b"120000" and name.endswith(KEEP) and ".." not in name.split("/"):
            entries.append((oid.decode(), name))
    cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for oid, name in entries:
        cat.stdin.write(f"{oid}\n".encode())
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    cat.stdin.close()
    cat.wait()
    (dest / ".materialised").write_text(commit)
    return dest


def check(dest):
    out = dest.with_suffix(".findings.json")
    if out.exists():
        return json.loads(out.read_text())
    r = subprocess.run(
        [DEBUGLENS, "check", ".", "--format", "json", "--workspace", "."],
        cwd=dest, capture_output=True, text=True,
    )
    if r.returncode not in (0, 1):
        sys.stderr.write(f"check failed in {dest} (exit {r.returncode}): {r.stderr[-400:]}\n")
        return None
    data = json.loads(r.stdout)["findings"]
    out.write_text(json.dumps(data))
    return data


def main():
    split = "all"
    if "--split" in sys.argv:
        split = sys.argv[sys.argv.index("--split") + 1]
    verbose = "-v" in sys.argv
    cases = []
    for f in sorted(HERE.glob("cases-*.toml")):
        cases += tomllib.loads(f.read_text())["case"]
    by_repo = defaultdict(list)
    for c in cases:
        if split == "all" or c["split"] == split:
            by_repo[(c["repo"], c["commit"])].append(c)
    stats = defaultdict(lambda: defaultdict(int))
    misses = []
    for (repo, commit), cs in sorted(by_repo.items()):
        dest = materialise(repo, commit)
        findings = check(dest) if dest else None
        if findings is None:
            for c in cs:
                stats[(c["language"], c["split"])]["unavailable"] += 1
            continue
        for c in cs:
            lang = "javascript" if c["language"] == "typescript" else c["language"]
            s = stats[(lang, c["split"])]
            hits = [
                f for f in findings
                if f["path"] == c["path"] and (f.get("loop_line") == c["loop_line"] or f["line"] == c["call_line"])
            ]
            warned = any(f["severity"] == "warning" for f in hits)
            hinted = any(f["severity"] == "hint" for f in hits)
            label = c["label"]
            s[label] += 1
            if label == "positive":
                s["tp" if warned else "fn"] += 1
            elif warned:
                s["fp"] += 1
            if label == "sequential" and hinted and not warned:
                s["spared"] += 1
            wrong = (label == "positive") != warned
            if wrong and c["split"] == "tune":
                misses.append(f"{c['id']} {label} {'reported' if warned else 'missed'}: {repo} {c['path']}:{c['loop_line']} — {c['reason']}")
    print("| language | split | cases | P | R | sequential spared (hint) | unavailable |")
    print("|---|---|---|---|---|---|---|")
    tot = defaultdict(lambda: defaultdict(int))
    for (lang, sp), s in sorted(stats.items()):
        for k, v in s.items():
            tot[sp][k] += v
        row(lang, sp, s)
    for sp, s in sorted(tot.items()):
        row("**all**", sp, s)
    if verbose:
        for m in misses:
            print("MISS", m)


def row(lang, sp, s):
    n = s["positive"] + s["negative"] + s["sequential"]
    tp, fp, fn = s["tp"], s["fp"], s["fn"]
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "–"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "–"
    print(f"| {lang} | {sp} | {n} | {p} ({tp}/{tp + fp}) | {r} ({tp}/{tp + fn}) | {s['spared']}/{s['sequential']} | {s['unavailable']} |")


if __name__ == "__main__":
    main()
