#!/usr/bin/env python3
"""Validates `retype untypeds --json` (schema retype-untypeds/1, docs/boot-untypeds.md).

usage: check_untypeds_json.py FILE [COUNT DEVICE_COUNT DROPPED_COUNT]
Checks the types and the invariants that hold for every kernel boot list: kept
entries indexed 0..count-1 in order, device untypeds first, sizes in range and
naturally aligned in kernel-virtual space (paddr + PPTR_BASE_OFFSET, modulo
2^64; not checked on aarch32, whose offset depends on the platform), no two
overlapping, the dropped ones numbered on from count; optionally the expected
counts.
"""
import json, sys

def fail(msg):
    print("untypeds json: " + msg)
    sys.exit(1)

def need(obj, key, types, where="top"):
    if not isinstance(obj, dict) or key not in obj:
        fail(f"{where}: missing '{key}'")
    v = obj[key]
    if isinstance(v, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        fail(f"{where}.{key}: boolean where {types} expected")
    if not isinstance(v, types):
        fail(f"{where}.{key}: wrong type {type(v).__name__}")
    return v

with open(sys.argv[1]) as f:
    doc = json.load(f)
if need(doc, "schema", str) != "retype-untypeds/1":
    fail("schema is not retype-untypeds/1")
need(doc, "title", str)
if need(doc, "arch", str) not in ("x86_64", "aarch64", "aarch64_hyp", "riscv64", "aarch32"):
    fail("unknown arch")
limit = need(doc, "max_bootinfo_untypeds", int)
count = need(doc, "count", int)
devices = need(doc, "device_count", int)
kept = need(doc, "untypeds", list)
dropped = need(doc, "dropped", list)
n_dropped = need(doc, "dropped_count", int)
for k in ("sliver_bytes", "dropped_ram_bytes", "dropped_device_bytes"):
    if need(doc, k, int) < 0:
        fail(k + " negative")
rs = need(doc, "rootserver", dict)
if need(rs, "base", int, "rootserver") >= need(rs, "end", int, "rootserver"):
    fail("rootserver range empty")
if len(kept) != count or count > limit:
    fail(f"count {count}, {len(kept)} listed, limit {limit}")
if n_dropped and count != limit:
    fail("untypeds dropped before the limit was reached")
if len(dropped) > n_dropped:
    fail("more dropped listed than dropped_count")
# PPTR_BASE_OFFSET per architecture (include/retype/kernel/arch.hpp).
OFFSET = {"x86_64": 0xffffff8000000000, "aarch64": 0xffffff8000000000,
          "aarch64_hyp": 0x8000000000, "riscv64": 0xffffffc000000000}
offset = OFFSET.get(doc["arch"])
spans = []
for i, u in enumerate(kept + dropped):
    where = f"untypeds[{i}]" if i < count else f"dropped[{i - count}]"
    if need(u, "index", int, where) != i:
        fail(f"{where}: index {u['index']}, expected {i}")
    p, b, dev = need(u, "paddr", int, where), need(u, "size_bits", int, where), need(u, "device", bool, where)
    if not 4 <= b <= 47:
        fail(f"{where}: size_bits {b}")
    if i < count and dev != (i < devices):
        fail(f"{where}: device untypeds must come first ({devices} of them)")
    if offset is not None and ((p + offset) % (1 << 64)) % (1 << b) != 0:
        fail(f"{where}: {hex(p)} is not 2^{b}-aligned in kernel-virtual space")
    spans.append((p, p + (1 << b), where))
spans.sort()
for a, b in zip(spans, spans[1:]):
    if b[0] < a[1]:
        fail(f"{a[2]} and {b[2]} overlap")
ram_dropped = sum(1 << u["size_bits"] for u in dropped if not u["device"])
if len(dropped) == n_dropped and ram_dropped != doc["dropped_ram_bytes"]:
    fail("dropped_ram_bytes does not add up")
if len(sys.argv) == 5:
    want = tuple(int(x) for x in sys.argv[2:5])
    if (count, devices, n_dropped) != want:
        fail(f"(count, device_count, dropped_count) = {(count, devices, n_dropped)}, expected {want}")
print(f"untypeds json: ok ({count} kept, {n_dropped} dropped)")
