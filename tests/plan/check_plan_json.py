#!/usr/bin/env python3
"""Validates `retype plan --json` output against the schema in docs/planner.md."""
import json, sys

def fail(msg):
    print("plan json: " + msg)
    sys.exit(1)

def need(obj, key, types, where):
    if not isinstance(obj, dict) or key not in obj:
        fail(f"{where}: missing '{key}'")
    if not isinstance(obj[key], types) or (isinstance(obj[key], bool) and bool not in (types if isinstance(types, tuple) else (types,))):
        fail(f"{where}.{key}: wrong type {type(obj[key]).__name__}")
    return obj[key]

STAGES = ["elf_loader", "kernel_boot", "loader", "vmm", "guest"]
STATUS = {"ok", "failed", "not_reached"}

def check_fix(f, where):
    for k in ("setting", "kind", "text"):
        need(f, k, str, where)
    for k in ("from", "to", "aux"):
        if need(f, k, int, where) < 0: fail(f"{where}.{k} negative")
    need(f, "verified", bool, where)
    need(f, "code_change", bool, where)
    if f["component"] is not None and not isinstance(f["component"], str): fail(f"{where}.component")

def check_plan(p, where):
    for k in ("title", "platform", "arch"): need(p, k, str, where)
    ok = need(p, "ok", bool, where)
    stages = need(p, "stages", list, where)
    if [s.get("name") for s in stages] != STAGES: fail(f"{where}.stages: names {[s.get('name') for s in stages]}")
    failed = False
    for i, s in enumerate(stages):
        w = f"{where}.stages[{i}]"
        if need(s, "stage", int, w) != i + 1: fail(f"{w}.stage")
        st = need(s, "status", str, w)
        if st not in STATUS: fail(f"{w}.status {st}")
        need(s, "shortfall", int, w)
        if st == "failed":
            failed = True
            c = need(s, "cause", dict, w)
            for k in ("problem", "blocker", "object", "message"): need(c, k, str, w + ".cause")
            for k in ("object_bits", "count", "needed", "available", "paddr", "size"): need(c, k, int, w + ".cause")
        elif s.get("cause") is not None:
            fail(f"{w}.cause must be null unless failed")
        for j, f in enumerate(need(s, "fixes", list, w)): check_fix(f, f"{w}.fixes[{j}]")
    if ok == failed: fail(f"{where}.ok disagrees with the stages")
    for j, wn in enumerate(need(p, "warnings", list, where)):
        ww = f"{where}.warnings[{j}]"
        need(wn, "problem", str, ww); need(wn, "message", str, ww)
        need(wn, "needed", int, ww); need(wn, "available", int, ww)
        check_fix(need(wn, "fix", dict, ww), ww + ".fix")
    for k in ("kernel", "dtb", "rootserver"):
        r = need(need(p, "images", dict, where), k, dict, where + ".images")
        need(r, "base", int, k); need(r, "size", int, k)
    need(p, "rootserver_objects", dict, where)
    for j, u in enumerate(need(p, "untypeds", list, where)):
        need(u, "paddr", int, f"untypeds[{j}]"); need(u, "device", bool, f"untypeds[{j}]")
        if not 4 <= need(u, "size_bits", int, f"untypeds[{j}]") <= 47: fail(f"untypeds[{j}].size_bits")
    need(p, "untypeds_dropped", int, where)
    for j, e in enumerate(need(p, "extents", list, where)):
        need(e, "base", int, f"extents[{j}]"); need(e, "size", int, f"extents[{j}]")
        if need(e, "kind", str, f"extents[{j}]") not in {"cnode", "pool", "untyped_mmio", "objects", "filler"}: fail("extent kind")
    for j, g in enumerate(need(p, "guests", list, where)):
        for k in ("ram_base", "ram_size", "page_bits", "obtained", "pages", "split_nodes", "mempool_needed", "slots_needed", "pool_needed"):
            need(g, k, int, f"guests[{j}]")
        if g["obtained"] > g["ram_size"]: fail(f"guests[{j}].obtained > ram_size")

doc = json.load(open(sys.argv[1]))
if need(doc, "schema", str, "$") != "retype-plan/1": fail("schema")
plans = need(doc, "plans", list, "$")
if not plans: fail("no plans")
for i, p in enumerate(plans): check_plan(p, f"plans[{i}]")
print(f"plan json: {len(plans)} plan(s) valid")
