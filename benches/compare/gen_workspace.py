#!/usr/bin/env python3
"""Generate a deterministic, realistic service workspace for benchmarking debuglens.

    gen_workspace.py --out DIR --lines 500000 --langs mixed   # JS, TS, Python, Go, Java, Rust
    gen_workspace.py --out DIR --lines 120000 --langs js      # plain .js (ESM) only

The workspace is a set of services (`services/<name>/...`). Each service has client modules that
wrap remote APIs (fetch, axios, Prisma, requests/httpx, SQLAlchemy, net/http, database/sql,
RestTemplate, JPA repositories, reqwest, sqlx) and handler/service/job modules that import them
from other files. About 20% of the handler/service/job files contain an N+1 (a remote call made
once per loop iteration, directly or through a helper in another file); the rest contain loops that
are harmless: pure computation, awaits of local non-remote work (sleep, local validation, a file
write), batched calls outside the loop, and Promise.all / goroutine fan-out.

A `manifest.json` at the root gives the ground truth the benchmark sanity-checks against:
lines and files per language, files with an N+1, remote call sites inside loops, and (for JS) the
number of `await` expressions inside loop bodies — what ESLint's no-await-in-loop reports.

Same --seed and arguments => byte-identical output.
"""
import argparse
import json
import os
import random
import shutil

ENTITIES = ["user", "order", "invoice", "product", "shipment", "account", "payment", "customer",
            "review", "coupon", "warehouse", "supplier", "ticket", "session", "profile", "address",
            "cart", "refund", "subscription", "plan", "device", "report", "message", "tenant"]
VERBS = ["sync", "load", "refresh", "reconcile", "audit", "export", "enrich", "validate", "notify",
         "rebuild", "import", "archive", "score", "price", "route", "tally"]
FIELDS = ["id", "status", "total", "createdAt", "region", "currency", "quantity", "weight",
          "priority", "ownerId", "score", "version"]
ADJ = ["active", "pending", "stale", "flagged", "recent", "premium", "overdue", "local"]


def cap(s):
    return s[0].upper() + s[1:]


def snake(s):
    out = []
    for ch in s:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


class Stats:
    def __init__(self):
        self.await_in_loop = 0   # JS only: await expressions inside loop bodies (no-await-in-loop)
        self.remote_in_loop = 0  # remote call sites inside loop bodies (direct or via helper)
        self.n1_funcs = 0

    def add(self, other):
        self.await_in_loop += other.await_in_loop
        self.remote_in_loop += other.remote_in_loop
        self.n1_funcs += other.n1_funcs


class Ctx:
    def __init__(self, rng, svc, ents):
        self.rng = rng
        self.svc = svc
        self.ents = ents  # entities this service owns (each has a client + repo helper)

    def ent(self):
        return self.rng.choice(self.ents)

    def pick(self, xs):
        return self.rng.choice(xs)

    def n(self, a, b):
        return self.rng.randint(a, b)


# --------------------------------------------------------------------------------------------
# JavaScript / TypeScript
# --------------------------------------------------------------------------------------------

def js_client_file(c, ent, ts):
    E = cap(ent)
    t = (lambda s: s) if ts else (lambda s: "")
    L = [
        "import axios from 'axios';",
        "",
        f"const BASE_URL = process.env.{ent.upper()}_SERVICE_URL || 'http://{ent}-service:8080';",
        "",
    ]
    if ts:
        L += [f"export interface {E} {{", "  id: string;", "  status: string;", "  total: number;",
              "  region: string;", "}", ""]
    L += [
        "/**",
        f" * HTTP client for the {ent} service. Timeouts are per call; retries are the caller's job.",
        " */",
        f"export class {E}Client {{",
    ]
    if ts:
        L += ["  private http: any;", ""]
    L += [
        f"  constructor(baseURL{t(': string')} = BASE_URL) {{",
        "    this.http = axios.create({ baseURL, timeout: 5000 });",
        "  }",
        "",
        f"  async get{E}(id{t(': string')}){t(f': Promise<{E}>')} {{",
        f"    const res = await this.http.get(`/v1/{ent}s/${{id}}`);",
        "    return res.data;",
        "  }",
        "",
        f"  async get{E}s(ids{t(': string[]')}){t(f': Promise<{E}[]>')} {{",
        f"    const res = await this.http.post('/v1/{ent}s/batch', {{ ids }});",
        "    return res.data.items;",
        "  }",
        "",
        f"  async update{E}(id{t(': string')}, patch{t(': Partial<' + E + '>')}) {{",
        f"    const res = await this.http.patch(`/v1/{ent}s/${{id}}`, patch);",
        "    return res.data;",
        "  }",
        "}",
        "",
        f"export const {ent}Client = new {E}Client();",
        "",
        f"export async function fetch{E}(id{t(': string')}) {{",
        f"  const res = await fetch(`${{BASE_URL}}/v1/{ent}s/${{id}}`);",
        "  if (!res.ok) {",
        f"    throw new Error(`{ent} ${{id}}: HTTP ${{res.status}}`);",
        "  }",
        "  return res.json();",
        "}",
        "",
        f"export async function fetch{E}s(ids{t(': string[]')}) {{",
        f"  const res = await fetch(`${{BASE_URL}}/v1/{ent}s?ids=${{ids.join(',')}}`);",
        "  return res.json();",
        "}",
        "",
    ]
    return L


def js_repo_file(c, ents, ts):
    t = (lambda s: s) if ts else (lambda s: "")
    L = ["import { PrismaClient } from '@prisma/client';", "",
         "const prisma = new PrismaClient();", ""]
    for ent in ents:
        E = cap(ent)
        L += [
            f"export async function load{E}(id{t(': string')}) {{",
            f"  return prisma.{ent}.findUnique({{ where: {{ id }} }});",
            "}",
            "",
            f"export async function load{E}s(ids{t(': string[]')}) {{",
            f"  return prisma.{ent}.findMany({{ where: {{ id: {{ in: ids }} }} }});",
            "}",
            "",
            f"export async function save{E}(row{t(': any')}) {{",
            f"  return prisma.{ent}.update({{ where: {{ id: row.id }}, data: row }});",
            "}",
            "",
        ]
    L += ["export default prisma;", ""]
    return L


def js_util_file(c, ts):
    t = (lambda s: s) if ts else (lambda s: "")
    L = [
        f"export function sleep(ms{t(': number')}) {{",
        "  return new Promise((resolve) => setTimeout(resolve, ms));",
        "}",
        "",
        f"export async function checkShape(row{t(': any')}) {{",
        "  if (row == null || typeof row !== 'object') {",
        "    throw new TypeError('expected an object');",
        "  }",
        "  return Object.keys(row).length > 0;",
        "}",
        "",
        f"export function chunk(xs{t(': any[]')}, size{t(': number')}) {{",
        "  const out = [];",
        "  for (let i = 0; i < xs.length; i += size) {",
        "    out.push(xs.slice(i, i + size));",
        "  }",
        "  return out;",
        "}",
        "",
        f"export function sumBy(xs{t(': any[]')}, key{t(': string')}) {{",
        "  let total = 0;",
        "  for (const x of xs) {",
        "    total += Number(x[key]) || 0;",
        "  }",
        "  return total;",
        "}",
        "",
    ]
    for _ in range(c.n(3, 8)):
        name = c.pick(VERBS) + cap(c.pick(ENTITIES)) + str(c.n(1, 999))
        f1, f2 = c.pick(FIELDS), c.pick(FIELDS)
        L += [
            f"export function {name}(rows{t(': any[]')}, threshold{t(': number')} = {c.n(1, 100)}) {{",
            "  const out = [];",
            "  for (const row of rows) {",
            f"    if (row.{f1} === undefined) {{",
            "      continue;",
            "    }",
            f"    const v = Number(row.{f2}) * {c.n(2, 9)};",
            "    if (v > threshold) {",
            f"      out.push({{ ...row, {f2}: v }});",
            "    }",
            "  }",
            "  return out;",
            "}",
            "",
        ]
    return L


def js_service_file(c, imports_ok, n1, ts):
    """Returns (lines, Stats). `n1`: include 1-2 N+1 functions."""
    t = (lambda s: s) if ts else (lambda s: "")
    st = Stats()
    ents = c.ents
    ext = "" if ts else ".js"
    L = []
    for ent in ents:
        E = cap(ent)
        L.append(f"import {{ {ent}Client, fetch{E}, fetch{E}s }} from '../clients/{ent}Client{ext}';")
    loads = ", ".join(f"load{cap(e)}, load{cap(e)}s, save{cap(e)}" for e in ents)
    L.append(f"import {{ {loads} }} from '../db/repo{ext}';")
    L.append(f"import {{ sleep, checkShape, chunk, sumBy }} from '../lib/util{ext}';")
    L.append("")
    L.append(f"const LIMIT = {c.n(10, 500)};")
    L.append(f"const REGION = '{c.pick(['eu-west-1', 'us-east-1', 'ap-south-1'])}';")
    L.append("")

    cls = cap(c.pick(VERBS)) + cap(c.ent()) + "Service"
    methods = []
    target = c.n(4, 12)
    n1_slots = set()
    if n1:
        n1_slots = set(c.rng.sample(range(target), min(target, c.n(1, 2))))

    for i in range(target):
        ent = c.ent()
        E = cap(ent)
        name = c.pick(VERBS) + E + cap(c.pick(ADJ)) + str(i)
        v = c.pick(["id", "key", "ref"])
        if i in n1_slots:
            kind = c.pick(["method", "fetch", "prisma", "helper_while", "forin", "dowhile", "helper_for"])
            st.n1_funcs += 1
            if kind == "method":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    "  const out = [];",
                    f"  for (const {v} of ids) {{",
                    f"    const row = await {ent}Client.get{E}({v});",
                    "    if (row.status !== 'deleted') {",
                    "      out.push(row);",
                    "    }",
                    "  }",
                    "  return out;",
                    "}",
                ]
                st.await_in_loop += 1; st.remote_in_loop += 1
            elif kind == "fetch":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    "  const totals = {};",
                    "  for (let i = 0; i < ids.length; i++) {",
                    f"    const res = await fetch(`http://{ent}-service/v1/{ent}s/${{ids[i]}}`);",
                    "    const body = await res.json();",
                    "    totals[ids[i]] = body.total;",
                    "  }",
                    "  return totals;",
                    "}",
                ]
                st.await_in_loop += 2; st.remote_in_loop += 1
            elif kind == "prisma":
                body = [
                    f"async {name}(rows{t(': any[]')}) {{",
                    "  let changed = 0;",
                    "  for (const row of rows) {",
                    f"    const current = await load{E}(row.{v});",
                    "    if (current && current.version !== row.version) {",
                    f"      await save{E}({{ ...current, version: row.version }});",
                    "      changed += 1;",
                    "    }",
                    "  }",
                    "  return changed;",
                    "}",
                ]
                st.await_in_loop += 2; st.remote_in_loop += 2
            elif kind == "helper_while":
                body = [
                    f"async {name}(queue{t(': string[]')}) {{",
                    "  const seen = [];",
                    "  while (queue.length > 0) {",
                    "    const next = queue.shift();",
                    f"    seen.push(await fetch{E}(next));",
                    "  }",
                    "  return seen;",
                    "}",
                ]
                st.await_in_loop += 1; st.remote_in_loop += 1
            elif kind == "forin":
                body = [
                    f"async {name}(byId{t(': Record<string, any>')}) {{",
                    "  const result = {};",
                    "  for (const k in byId) {",
                    f"    result[k] = await {ent}Client.update{E}(k, byId[k]);",
                    "  }",
                    "  return result;",
                    "}",
                ]
                st.await_in_loop += 1; st.remote_in_loop += 1
            elif kind == "dowhile":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    "  let i = 0;",
                    "  const out = [];",
                    "  do {",
                    f"    out.push(await load{E}(ids[i]));",
                    "    i += 1;",
                    "  } while (i < ids.length);",
                    "  return out;",
                    "}",
                ]
                st.await_in_loop += 1; st.remote_in_loop += 1
            else:  # helper_for: via a method of this class that calls the client (same file)
                helper = f"lookup{E}{i}"
                body = [
                    f"async {helper}({v}{t(': string')}) {{",
                    f"  const row = await {ent}Client.get{E}({v});",
                    f"  return row && row.{c.pick(FIELDS)};",
                    "}",
                    "",
                    f"async {name}(ids{t(': string[]')}) {{",
                    "  const out = [];",
                    "  for (const id of ids) {",
                    f"    out.push(await this.{helper}(id));",
                    "  }",
                    "  return out;",
                    "}",
                ]
                st.await_in_loop += 1; st.remote_in_loop += 1
        else:
            kind = c.pick(["pure", "pure", "sleep", "validate", "batch", "all", "chunked", "switch"])
            f1, f2 = c.pick(FIELDS), c.pick(FIELDS)
            if kind == "pure":
                body = [
                    f"{name}(rows{t(': any[]')}) {{",
                    "  const buckets = new Map();",
                    "  for (const row of rows) {",
                    f"    const k = `${{row.{f1}}}:${{REGION}}`;",
                    "    if (!buckets.has(k)) {",
                    "      buckets.set(k, []);",
                    "    }",
                    f"    buckets.get(k).push(row.{f2});",
                    "  }",
                    "  let i = 0;",
                    "  while (i < rows.length && i < LIMIT) {",
                    f"    rows[i].rank = i * {c.n(2, 9)};",
                    "    i += 1;",
                    "  }",
                    "  return buckets;",
                    "}",
                ]
            elif kind == "sleep":
                body = [
                    f"async {name}(rows{t(': any[]')}) {{",
                    "  let attempts = 0;",
                    "  while (attempts < 3) {",
                    f"    if (rows.every((r) => r.{f1} !== undefined)) {{",
                    "      return true;",
                    "    }",
                    f"    await sleep({c.n(10, 500)} * (attempts + 1));",
                    "    attempts += 1;",
                    "  }",
                    "  return false;",
                    "}",
                ]
                st.await_in_loop += 1
            elif kind == "validate":
                body = [
                    f"async {name}(rows{t(': any[]')}) {{",
                    "  const ok = [];",
                    "  for (const row of rows) {",
                    "    if (await checkShape(row)) {",
                    "      ok.push(row);",
                    "    }",
                    "  }",
                    f"  return sumBy(ok, '{f2}');",
                    "}",
                ]
                st.await_in_loop += 1
            elif kind == "batch":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    f"  const rows = await {ent}Client.get{E}s(ids);",
                    "  const out = [];",
                    "  for (const row of rows) {",
                    f"    if (row.{f1} && row.status === '{c.pick(ADJ)}') {{",
                    "      out.push(row.id);",
                    "    }",
                    "  }",
                    "  return out;",
                    "}",
                ]
            elif kind == "all":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    f"  const rows = await Promise.all(ids.map((id) => fetch{E}(id)));",
                    f"  return rows.filter((r) => r.{f1} != null);",
                    "}",
                ]
            elif kind == "chunked":
                body = [
                    f"async {name}(ids{t(': string[]')}) {{",
                    "  const groups = chunk(ids, LIMIT);",
                    f"  const results = await Promise.all(groups.map((g) => load{E}s(g)));",
                    "  const flat = [];",
                    "  for (const group of results) {",
                    "    for (const row of group) {",
                    "      flat.push(row);",
                    "    }",
                    "  }",
                    "  return flat;",
                    "}",
                ]
            else:
                body = [
                    f"{name}(row{t(': any')}) {{",
                    "  switch (row.status) {",
                    f"    case '{c.pick(ADJ)}':",
                    f"      return row.{f1} * {c.n(2, 9)};",
                    "    case 'archived':",
                    "      return 0;",
                    "    default:",
                    f"      return row.{f2} ?? -1;",
                    "  }",
                    "}",
                ]
        methods.append(body)

    L.append("/**")
    L.append(f" * {cls}: {c.pick(VERBS)}s {c.ent()}s for the {c.svc} service.")
    L.append(" */")
    L.append(f"export class {cls} {{")
    if ts:
        L.append("  private readonly region: string;")
        L.append("")
    L.append(f"  constructor(region{t(': string')} = REGION) {{")
    L.append("    this.region = region;")
    L.append("  }")
    for m in methods:
        L.append("")
        for ln in m:
            L.append(("  " + ln) if ln else "")
    L.append("}")
    L.append("")
    L.append(f"export default new {cls}();")
    L.append("")
    return L, st


def gen_js_service(c, out_dir, budget, ts, n1_rate, report):
    ext = ".ts" if ts else ".js"
    files = {}
    for ent in c.ents:
        files[f"clients/{ent}Client{ext}"] = js_client_file(c, ent, ts)
    files[f"db/repo{ext}"] = js_repo_file(c, c.ents, ts)
    files[f"lib/util{ext}"] = js_util_file(c, ts)
    used = sum(len(v) for v in files.values())
    i = 0
    while used < budget:
        n1 = c.rng.random() < n1_rate
        lines, st = js_service_file(c, True, n1, ts)
        d = c.pick(["handlers", "services", "jobs"])
        rel = f"{d}/{c.pick(VERBS)}{cap(c.ent())}{i}{ext}"
        files[rel] = lines
        report(rel, st, n1 and st.n1_funcs > 0)
        used += len(lines)
        i += 1
    # Fix imports for TS files: keep '.js' specifiers (TS ESM convention) — nothing to do.
    return files


# --------------------------------------------------------------------------------------------
# Python
# --------------------------------------------------------------------------------------------

def py_client_file(c, ent):
    E = cap(ent)
    return [
        f'"""HTTP client for the {ent} service."""',
        "import os",
        "",
        "import requests",
        "",
        f'BASE_URL = os.environ.get("{ent.upper()}_SERVICE_URL", "http://{ent}-service:8080")',
        "",
        "",
        f"class {E}Client:",
        "    def __init__(self, base_url=BASE_URL):",
        "        self.base_url = base_url",
        "        self.session = requests.Session()",
        "",
        f"    def get_{ent}(self, {ent}_id):",
        f'        resp = self.session.get(f"{{self.base_url}}/v1/{ent}s/{{{ent}_id}}", timeout=5)',
        "        resp.raise_for_status()",
        "        return resp.json()",
        "",
        f"    def get_{ent}s(self, ids):",
        f'        resp = self.session.post(f"{{self.base_url}}/v1/{ent}s/batch", json={{"ids": list(ids)}}, timeout=5)',
        "        resp.raise_for_status()",
        '        return resp.json()["items"]',
        "",
        "",
        f"def fetch_{ent}({ent}_id):",
        f'    return requests.get(f"{{BASE_URL}}/v1/{ent}s/{{{ent}_id}}", timeout=5).json()',
        "",
        "",
        f"{ent}_client = {E}Client()",
        "",
    ]


def py_repo_file(c, ents):
    L = ['"""Database access."""', "from sqlalchemy import select", "from sqlalchemy.orm import Session", "",
         "from .models import Base", "", ""]
    for ent in ents:
        E = cap(ent)
        L += [
            f"def load_{ent}(session: Session, {ent}_id):",
            f"    return session.get(Base.classes.{ent}, {ent}_id)",
            "",
            "",
            f"def load_{ent}s(session: Session, ids):",
            f"    return session.execute(select(Base.classes.{ent}).where(Base.classes.{ent}.id.in_(ids))).scalars().all()",
            "",
            "",
        ]
    return L


def py_service_file(c, n1):
    st = Stats()
    L = ['"""' + f"{cap(c.pick(VERBS))} jobs for {c.svc}." + '"""', "import logging", "import time", "",
         "from sqlalchemy.orm import Session", ""]
    for ent in c.ents:
        L.append(f"from ..clients.{ent}_client import {ent}_client, fetch_{ent}")
    L.append("from ..db.repo import " + ", ".join(f"load_{e}, load_{e}s" for e in c.ents))
    L += ["", "log = logging.getLogger(__name__)", f"LIMIT = {c.n(10, 500)}", "", ""]
    target = c.n(4, 12)
    slots = set(c.rng.sample(range(target), min(target, c.n(1, 2)))) if n1 else set()
    cls = cap(c.pick(VERBS)) + cap(c.ent()) + "Service"
    L += [f"class {cls}:", "    def __init__(self, session: Session):", "        self.session = session", ""]
    for i in range(target):
        ent = c.ent()
        name = f"{c.pick(VERBS)}_{ent}_{c.pick(ADJ)}_{i}"
        f1, f2 = snake(c.pick(FIELDS)), snake(c.pick(FIELDS))
        if i in slots:
            st.n1_funcs += 1
            k = c.pick(["client", "func", "db", "while"])
            st.remote_in_loop += 1
            if k == "client":
                body = [f"def {name}(self, ids):", "    out = []", "    for item_id in ids:",
                        f"        row = {ent}_client.get_{ent}(item_id)", "        if row.get('status') != 'deleted':",
                        "            out.append(row)", "    return out"]
            elif k == "func":
                body = [f"def {name}(self, ids):", "    return {", f"        i: fetch_{ent}(i)['{f1}']",
                        "        for i in ids", "    }"]
            elif k == "db":
                body = [f"def {name}(self, ids):", "    total = 0", "    for i in ids:",
                        f"        row = load_{ent}(self.session, i)", "        if row is not None:",
                        f"            total += row.{f2} or 0", "    return total"]
            else:
                body = [f"def {name}(self, queue):", "    seen = []", "    while queue:",
                        "        nxt = queue.pop()", f"        seen.append({ent}_client.get_{ent}(nxt))", "    return seen"]
        else:
            k = c.pick(["pure", "pure", "sleep", "batch", "dict"])
            if k == "pure":
                body = [f"def {name}(self, rows):", "    buckets = {}", "    for row in rows:",
                        f"        key = (row.get('{f1}'), row.get('{f2}'))", "        buckets.setdefault(key, []).append(row)",
                        "    i = 0", "    while i < len(rows) and i < LIMIT:", f"        rows[i]['rank'] = i * {c.n(2, 9)}",
                        "        i += 1", "    return buckets"]
            elif k == "sleep":
                body = [f"def {name}(self, rows):", "    for attempt in range(3):",
                        f"        if all(r.get('{f1}') is not None for r in rows):", "            return True",
                        f"        time.sleep(0.{c.n(1, 9)} * (attempt + 1))", "    return False"]
            elif k == "batch":
                body = [f"def {name}(self, ids):", f"    rows = {ent}_client.get_{ent}s(ids)", "    out = []",
                        "    for row in rows:", f"        if row.get('{f1}'):", "            out.append(row['id'])",
                        "    log.info('kept %d of %d', len(out), len(rows))", "    return out"]
            else:
                body = [f"def {name}(self, ids):", f"    rows = load_{ent}s(self.session, ids)",
                        f"    return {{r.id: r.{f2} for r in rows if r.{f1} is not None}}"]
        for ln in body:
            L.append("    " + ln)
        L.append("")
    return L, st


def gen_py_service(c, budget, n1_rate, report):
    files = {}
    for ent in c.ents:
        files[f"clients/{ent}_client.py"] = py_client_file(c, ent)
    files["clients/__init__.py"] = [""]
    files["db/__init__.py"] = [""]
    files["db/models.py"] = ["from sqlalchemy.ext.automap import automap_base", "", "Base = automap_base()", ""]
    files["db/repo.py"] = py_repo_file(c, c.ents)
    used = sum(len(v) for v in files.values())
    i = 0
    while used < budget:
        n1 = c.rng.random() < n1_rate
        lines, st = py_service_file(c, n1)
        rel = f"{c.pick(['handlers', 'services', 'jobs'])}/{c.pick(VERBS)}_{c.ent()}_{i}.py"
        files[rel] = lines
        report(rel, st, n1)
        used += len(lines)
        i += 1
    return files


# --------------------------------------------------------------------------------------------
# Go
# --------------------------------------------------------------------------------------------

def go_client_file(c, ent, mod):
    E = cap(ent)
    return [
        "package clients", "", "import (", '\t"encoding/json"', '\t"fmt"', '\t"net/http"', '\t"time"', ")", "",
        f"type {E} struct {{", "\tID     string", "\tStatus string", "\tTotal  int64", "}", "",
        f"type {E}Client struct {{", "\tbase string", "\thttp *http.Client", "}", "",
        f"func New{E}Client(base string) *{E}Client {{",
        f"\treturn &{E}Client{{base: base, http: &http.Client{{Timeout: 5 * time.Second}}}}", "}", "",
        f"func (c *{E}Client) Get(id string) (*{E}, error) {{",
        f'\tresp, err := c.http.Get(fmt.Sprintf("%s/v1/{ent}s/%s", c.base, id))',
        "\tif err != nil {", "\t\treturn nil, err", "\t}", "\tdefer resp.Body.Close()",
        f"\tvar out {E}", "\treturn &out, json.NewDecoder(resp.Body).Decode(&out)", "}", "",
        f"func (c *{E}Client) GetMany(ids []string) ([]{E}, error) {{",
        f'\tresp, err := c.http.Get(fmt.Sprintf("%s/v1/{ent}s?ids=%v", c.base, ids))',
        "\tif err != nil {", "\t\treturn nil, err", "\t}", "\tdefer resp.Body.Close()",
        f"\tvar out []{E}", "\treturn out, json.NewDecoder(resp.Body).Decode(&out)", "}", "",
    ]


def go_store_file(c, ents):
    L = ["package store", "", "import (", '\t"context"', '\t"database/sql"', ")", "",
         "type Store struct {", "\tdb *sql.DB", "}", "", "func New(db *sql.DB) *Store {", "\treturn &Store{db: db}", "}", ""]
    for ent in ents:
        E = cap(ent)
        L += [f"func (s *Store) Load{E}(ctx context.Context, id string) (int64, error) {{",
              "\tvar total int64",
              f'\terr := s.db.QueryRowContext(ctx, "SELECT total FROM {ent}s WHERE id = $1", id).Scan(&total)',
              "\treturn total, err", "}", ""]
    return L


def go_service_file(c, n1, mod, pkg):
    st = Stats()
    L = [f"package {pkg}", "", "import (", '\t"context"', '\t"sort"', '\t"sync"', '\t"time"', "",
         f'\t"{mod}/clients"', f'\t"{mod}/store"', ")", "",
         "var _ = sort.Strings", "var _ = time.Second", "var _ sync.Mutex", ""]
    typ = cap(c.pick(VERBS)) + cap(c.ent()) + "Service"
    L += [f"type {typ} struct {{", "\tstore *store.Store"]
    for e in c.ents:
        L.append(f"\t{e} *clients.{cap(e)}Client")
    L += ["}", ""]
    target = c.n(4, 12)
    slots = set(c.rng.sample(range(target), min(target, c.n(1, 2)))) if n1 else set()
    for i in range(target):
        ent = c.ent(); E = cap(ent)
        name = cap(c.pick(VERBS)) + E + cap(c.pick(ADJ)) + str(i)
        if i in slots:
            st.n1_funcs += 1; st.remote_in_loop += 1
            if c.rng.random() < 0.5:
                body = [f"func (s *{typ}) {name}(ids []string) ([]*clients.{E}, error) {{",
                        f"\tout := make([]*clients.{E}, 0, len(ids))", "\tfor _, id := range ids {",
                        f"\t\trow, err := s.{ent}.Get(id)", "\t\tif err != nil {", "\t\t\treturn nil, err", "\t\t}",
                        "\t\tout = append(out, row)", "\t}", "\treturn out, nil", "}"]
            else:
                body = [f"func (s *{typ}) {name}(ctx context.Context, ids []string) (int64, error) {{",
                        "\tvar sum int64", "\tfor i := 0; i < len(ids); i++ {",
                        f"\t\tt, err := s.store.Load{E}(ctx, ids[i])", "\t\tif err != nil {", "\t\t\treturn 0, err", "\t\t}",
                        "\t\tsum += t", "\t}", "\treturn sum, nil", "}"]
        else:
            k = c.pick(["pure", "pure", "batch", "fanout"])
            if k == "pure":
                body = [f"func (s *{typ}) {name}(rows map[string]int64) []string {{",
                        "\tkeys := make([]string, 0, len(rows))", "\tfor k, v := range rows {",
                        f"\t\tif v > {c.n(1, 100)} {{", "\t\t\tkeys = append(keys, k)", "\t\t}", "\t}",
                        "\tsort.Strings(keys)", "\treturn keys", "}"]
            elif k == "batch":
                body = [f"func (s *{typ}) {name}(ids []string) (int64, error) {{",
                        f"\trows, err := s.{ent}.GetMany(ids)", "\tif err != nil {", "\t\treturn 0, err", "\t}",
                        "\tvar total int64", "\tfor _, r := range rows {", "\t\ttotal += r.Total", "\t}",
                        "\treturn total, nil", "}"]
            else:
                body = [f"func (s *{typ}) {name}(n int) int {{", "\tvar mu sync.Mutex", "\tvar wg sync.WaitGroup",
                        "\tcount := 0", "\tfor i := 0; i < n; i++ {", "\t\twg.Add(1)", "\t\tgo func(i int) {",
                        "\t\t\tdefer wg.Done()", "\t\t\tmu.Lock()", "\t\t\tcount += i", "\t\t\tmu.Unlock()", "\t\t}(i)",
                        "\t}", "\twg.Wait()", "\treturn count", "}"]
        L += body + [""]
    return L, st


def gen_go_service(c, budget, n1_rate, report):
    mod = f"example.com/{c.svc}"
    files = {"go.mod": [f"module {mod}", "", "go 1.22", ""]}
    for ent in c.ents:
        files[f"clients/{ent}.go"] = go_client_file(c, ent, mod)
    files["store/store.go"] = go_store_file(c, c.ents)
    used = sum(len(v) for v in files.values())
    i = 0
    while used < budget:
        n1 = c.rng.random() < n1_rate
        pkg = c.pick(["handlers", "jobs", "services"])
        lines, st = go_service_file(c, n1, mod, pkg)
        rel = f"{pkg}/{c.pick(VERBS)}_{c.ent()}_{i}.go"
        files[rel] = lines
        report(rel, st, n1)
        used += len(lines)
        i += 1
    return files


# --------------------------------------------------------------------------------------------
# Java
# --------------------------------------------------------------------------------------------

def gen_java_service(c, budget, n1_rate, report):
    pkg = f"com.example.{c.svc.replace('-', '')}"
    base = "src/main/java/" + pkg.replace(".", "/")
    files = {}
    for ent in c.ents:
        E = cap(ent)
        files[f"{base}/clients/{E}Client.java"] = [
            f"package {pkg}.clients;", "", "import java.util.List;", "import org.springframework.web.client.RestTemplate;", "",
            f"public class {E}Client {{", "    private final RestTemplate restTemplate;", "    private final String baseUrl;", "",
            f"    public {E}Client(RestTemplate restTemplate, String baseUrl) {{", "        this.restTemplate = restTemplate;",
            "        this.baseUrl = baseUrl;", "    }", "",
            f"    public {E}Dto get(String id) {{",
            f'        return restTemplate.getForObject(baseUrl + "/v1/{ent}s/" + id, {E}Dto.class);', "    }", "",
            f"    public List<{E}Dto> getMany(List<String> ids) {{",
            f'        return List.of(restTemplate.postForObject(baseUrl + "/v1/{ent}s/batch", ids, {E}Dto[].class));', "    }", "",
            f"    public record {E}Dto(String id, String status, long total) {{}}", "}", ""]
        files[f"{base}/repo/{E}Repository.java"] = [
            f"package {pkg}.repo;", "", "import java.util.List;", "import java.util.Optional;",
            "import org.springframework.data.jpa.repository.JpaRepository;", "",
            f"public interface {E}Repository extends JpaRepository<{E}Entity, Long> {{",
            f"    Optional<{E}Entity> findById(Long id);", f"    List<{E}Entity> findAllById(Iterable<Long> ids);", "}", ""]
        files[f"{base}/repo/{E}Entity.java"] = [
            f"package {pkg}.repo;", "", f"public class {E}Entity {{", "    public Long id;", "    public long total;",
            "    public String status;", "}", ""]
    used = sum(len(v) for v in files.values())
    i = 0
    while used < budget:
        n1 = c.rng.random() < n1_rate
        st = Stats()
        sub = c.pick(["service", "jobs", "web"])
        cls = cap(c.pick(VERBS)) + cap(c.ent()) + "Service" + str(i)
        L = [f"package {pkg}.{sub};", "", "import java.util.ArrayList;", "import java.util.HashMap;",
             "import java.util.List;", "import java.util.Map;"]
        for e in c.ents:
            L.append(f"import {pkg}.clients.{cap(e)}Client;")
            L.append(f"import {pkg}.repo.{cap(e)}Repository;")
            L.append(f"import {pkg}.repo.{cap(e)}Entity;")
        L += ["", f"public class {cls} {{"]
        for e in c.ents:
            L.append(f"    private final {cap(e)}Client {e}Client;")
            L.append(f"    private final {cap(e)}Repository {e}Repository;")
        L += ["", f"    public {cls}(" + ", ".join(f"{cap(e)}Client {e}Client, {cap(e)}Repository {e}Repository" for e in c.ents) + ") {"]
        for e in c.ents:
            L.append(f"        this.{e}Client = {e}Client;")
            L.append(f"        this.{e}Repository = {e}Repository;")
        L += ["    }", ""]
        target = c.n(4, 12)
        slots = set(c.rng.sample(range(target), min(target, c.n(1, 2)))) if n1 else set()
        for j in range(target):
            ent = c.ent(); E = cap(ent)
            name = c.pick(VERBS) + E + cap(c.pick(ADJ)) + str(j)
            if j in slots:
                st.n1_funcs += 1; st.remote_in_loop += 1
                if c.rng.random() < 0.5:
                    body = [f"public List<{E}Client.{E}Dto> {name}(List<String> ids) {{",
                            f"    List<{E}Client.{E}Dto> out = new ArrayList<>();", "    for (String id : ids) {",
                            f"        out.add({ent}Client.get(id));", "    }", "    return out;", "}"]
                else:
                    body = [f"public long {name}(List<Long> ids) {{", "    long sum = 0;",
                            "    for (int i = 0; i < ids.size(); i++) {",
                            f"        sum += {ent}Repository.findById(ids.get(i)).map(e -> e.total).orElse(0L);",
                            "    }", "    return sum;", "}"]
            else:
                k = c.pick(["pure", "pure", "batch"])
                if k == "pure":
                    body = [f"public Map<String, Integer> {name}(List<String> keys) {{",
                            "    Map<String, Integer> counts = new HashMap<>();", "    for (String k : keys) {",
                            "        counts.merge(k, 1, Integer::sum);", "    }", "    int i = 0;",
                            f"    while (i < keys.size() && i < {c.n(10, 500)}) {{", "        i++;", "    }", "    return counts;", "}"]
                else:
                    body = [f"public long {name}(List<Long> ids) {{",
                            f"    List<{E}Entity> rows = {ent}Repository.findAllById(ids);", "    long total = 0;",
                            f"    for ({E}Entity r : rows) {{", "        total += r.total;", "    }", "    return total;", "}"]
            L += ["    " + ln for ln in body] + [""]
        L += ["}", ""]
        rel = f"{base}/{sub}/{cls}.java"
        files[rel] = L
        report(rel, st, n1)
        used += len(L)
        i += 1
    return files


# --------------------------------------------------------------------------------------------
# Rust
# --------------------------------------------------------------------------------------------

def gen_rust_service(c, budget, n1_rate, report):
    files = {"Cargo.toml": ["[package]", f'name = "{c.svc}"', 'version = "0.1.0"', 'edition = "2021"', "",
                            "[dependencies]", 'reqwest = { version = "0.12", features = ["json"] }',
                            'sqlx = { version = "0.8", features = ["postgres"] }', ""]}
    cl = ["use reqwest::Client;", "", "pub struct Api {", "    http: Client,", "    base: String,", "}", "",
          "impl Api {", "    pub fn new(base: &str) -> Self {", "        Api { http: Client::new(), base: base.to_string() }", "    }"]
    for ent in c.ents:
        cl += ["", f"    pub async fn get_{ent}(&self, id: &str) -> reqwest::Result<String> {{",
               f'        let resp = self.http.get(format!("{{}}/v1/{ent}s/{{}}", self.base, id)).send().await?;',
               "        resp.text().await", "    }", "",
               f"    pub async fn get_{ent}s(&self, ids: &[String]) -> reqwest::Result<String> {{",
               f'        let resp = self.http.post(format!("{{}}/v1/{ent}s/batch", self.base)).json(&ids).send().await?;',
               "        resp.text().await", "    }"]
    cl += ["}", ""]
    files["src/clients.rs"] = cl
    db = ["use sqlx::PgPool;", ""]
    for ent in c.ents:
        db += [f"pub async fn load_{ent}(pool: &PgPool, id: i64) -> sqlx::Result<(i64, i64)> {{",
               f'    sqlx::query_as("SELECT id, total FROM {ent}s WHERE id = $1").bind(id).fetch_one(pool).await', "}", ""]
    files["src/db.rs"] = db
    mods = []
    used = sum(len(v) for v in files.values())
    i = 0
    while used < budget:
        n1 = c.rng.random() < n1_rate
        st = Stats()
        mname = f"{c.pick(VERBS)}_{c.ent()}_{i}"
        mods.append(mname)
        L = ["use std::collections::HashMap;", "", "use sqlx::PgPool;", "", "use crate::clients::Api;", "use crate::db;", ""]
        target = c.n(4, 12)
        slots = set(c.rng.sample(range(target), min(target, c.n(1, 2)))) if n1 else set()
        for j in range(target):
            ent = c.ent()
            name = f"{c.pick(VERBS)}_{ent}_{c.pick(ADJ)}_{j}"
            if j in slots:
                st.n1_funcs += 1; st.remote_in_loop += 1
                if c.rng.random() < 0.5:
                    body = [f"pub async fn {name}(api: &Api, ids: &[String]) -> reqwest::Result<Vec<String>> {{",
                            "    let mut out = Vec::new();", "    for id in ids {",
                            f"        out.push(api.get_{ent}(id).await?);", "    }", "    Ok(out)", "}"]
                else:
                    body = [f"pub async fn {name}(pool: &PgPool, ids: &[i64]) -> sqlx::Result<i64> {{",
                            "    let mut sum = 0;", "    for id in ids {",
                            f"        let (_, total) = db::load_{ent}(pool, *id).await?;", "        sum += total;", "    }",
                            "    Ok(sum)", "}"]
            else:
                k = c.pick(["pure", "pure", "batch"])
                if k == "pure":
                    body = [f"pub fn {name}(rows: &[(String, i64)]) -> HashMap<String, i64> {{",
                            "    let mut m = HashMap::new();", "    for (k, v) in rows {",
                            f"        if *v > {c.n(1, 100)} {{", "            *m.entry(k.clone()).or_insert(0) += v;", "        }",
                            "    }", "    m", "}"]
                else:
                    body = [f"pub async fn {name}(api: &Api, ids: &[String]) -> reqwest::Result<usize> {{",
                            f"    let body = api.get_{ent}s(ids).await?;", "    let mut n = 0;",
                            "    for line in body.lines() {", "        if !line.is_empty() {", "            n += 1;", "        }",
                            "    }", "    Ok(n)", "}"]
            L += body + [""]
        rel = f"src/jobs/{mname}.rs"
        files[rel] = L
        report(rel, st, n1)
        used += len(L)
        i += 1
    files["src/jobs/mod.rs"] = [f"pub mod {m};" for m in mods] + [""]
    files["src/lib.rs"] = ["pub mod clients;", "pub mod db;", "pub mod jobs;", ""]
    return files


# --------------------------------------------------------------------------------------------

MIXED_WEIGHTS = [("js", 0.20), ("ts", 0.20), ("py", 0.20), ("go", 0.14), ("java", 0.14), ("rust", 0.12)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lines", type=int, default=500_000, help="total lines to generate (approximate, >=)")
    ap.add_argument("--langs", default="mixed", help="'mixed' or a comma list of js,ts,py,go,java,rust")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--n1-rate", type=float, default=0.20, help="share of handler/service files with an N+1")
    ap.add_argument("--service-lines", type=int, default=6000, help="approximate lines per service per language")
    args = ap.parse_args()

    if args.langs == "mixed":
        weights = MIXED_WEIGHTS
    else:
        ls = args.langs.split(",")
        weights = [(l, 1.0 / len(ls)) for l in ls]
    rng = random.Random(args.seed)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)

    manifest = {"seed": args.seed, "langs": {}, "total_lines": 0, "total_files": 0,
                "n1_files": 0, "remote_in_loop": 0, "js_await_in_loop": 0}
    ext_of = {"js": "js", "ts": "ts", "py": "py", "go": "go", "java": "java", "rust": "rs"}
    svc_no = 0
    for lang, w in weights:
        lang_budget = int(args.lines * w) + 1
        lm = {"lines": 0, "files": 0, "n1_files": 0, "remote_in_loop": 0, "await_in_loop": 0, "services": 0}
        while lm["lines"] < lang_budget:
            svc_no += 1
            svc = f"{rng.choice(ENTITIES)}-{rng.choice(VERBS)}-{svc_no:03d}"
            ents = rng.sample(ENTITIES, rng.randint(2, 3))
            c = Ctx(rng, svc, ents)
            budget = min(args.service_lines, lang_budget - lm["lines"])

            def report(rel, st, n1):
                if n1 and st.n1_funcs:
                    lm["n1_files"] += 1
                lm["remote_in_loop"] += st.remote_in_loop
                lm["await_in_loop"] += st.await_in_loop

            if lang in ("js", "ts"):
                files = gen_js_service(c, None, budget, lang == "ts", args.n1_rate, report)
            elif lang == "py":
                files = gen_py_service(c, budget, args.n1_rate, report)
            elif lang == "go":
                files = gen_go_service(c, budget, args.n1_rate, report)
            elif lang == "java":
                files = gen_java_service(c, budget, args.n1_rate, report)
            else:
                files = gen_rust_service(c, budget, args.n1_rate, report)
            root = os.path.join(args.out, "services", f"{svc}-{lang}")
            for rel, lines in sorted(files.items()):
                p = os.path.join(root, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", newline="\n") as f:
                    f.write("\n".join(lines) if lines[-1] == "" else "\n".join(lines) + "\n")
                n = len(lines) - (1 if lines[-1] == "" else 0)
                lm["lines"] += n
                if rel.endswith("." + ext_of[lang]):
                    lm["files"] += 1
            lm["services"] += 1
        manifest["langs"][lang] = lm
        manifest["total_lines"] += lm["lines"]
        manifest["total_files"] += lm["files"]
        manifest["n1_files"] += lm["n1_files"]
        manifest["remote_in_loop"] += lm["remote_in_loop"]
        if lang == "js":
            manifest["js_await_in_loop"] += lm["await_in_loop"]
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({k: manifest[k] for k in ("total_lines", "total_files", "n1_files", "remote_in_loop",
                                                "js_await_in_loop")}))


if __name__ == "__main__":
    main()
