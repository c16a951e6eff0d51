#!/usr/bin/env python3
"""Turns the JSON of one bench_retype run into the tables of docs/benchmarks.md
(between the GENERATED markers; the prose around them is kept) and two SVG
charts (scaling, footprint). Ratios are against the baselines of the same run.
Kernel calls and zeroed bytes come from the run's `counted` cases; instructions
per churn step (and per request of Boot and DeviceFrames) from the callgrind JSON scripts/bench.sh writes beside it.

    python3 tools/bench_report.py bench/results/bench.json \
        --machine bench/results/bench.machine.txt --callgrind bench/results/callgrind.json \
        --doc docs/benchmarks.md --img docs/img
"""
import argparse
import json
import math
import re
import sys

BEGIN = "<!-- BEGIN GENERATED: tools/bench_report.py -->"
END = "<!-- END GENERATED -->"
BASE = "allocman_split"
MAP = "std_map"
FLOOR = "floor"  # the harness alone (bench/suite/adapters.hpp): no allocator can go below it
RETYPE = ["retype_watermark", "retype_buddy", "retype_binary_search"]
ALL = [BASE, MAP] + RETYPE + [FLOOR]


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    medians = {}
    for b in data["benchmarks"]:
        # With --benchmark_repetitions (scripts/bench.sh) each case's median is
        # the figure; a case without aggregates (one run, or an error) is
        # taken as it is.
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            name = re.sub(r"/(iterations|min_time|repeats):[^/]*", "", b["run_name"])
            medians[name] = b
            continue
        name = re.sub(r"/(iterations|min_time|repeats):[^/]*", "", b.get("run_name", b["name"]))
        rows.setdefault(name, b)
    rows.update(medians)
    return data.get("context", {}), rows


def ns_per_op(b):
    """CPU ns per item (Google Benchmark computes items_per_second on CPU time)."""
    if b is None or b.get("error_occurred"):
        return None
    ips = b.get("items_per_second")
    return 1e9 / ips if ips else None


def fmt_bytes(n):
    if n is None:
        return "n/a"
    for unit, k in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{int(n)} B"


def fmt_x(r):
    if r is None:
        return "n/a"
    return f"{r:,.0f}x" if r >= 100 else f"{r:.2f}x"


def fmt_ns(v):
    return "n/a" if v is None else (f"{v:.0f}" if v >= 10 else f"{v:.2f}")


def footprint_table(rows):
    out = ["| allocator | granule | metadata | CSlots | paging | allocman-style metadata / this |",
           "| --- | --- | ---: | ---: | ---: | ---: |"]
    for g in ("4KiB", "2MiB", "1GiB"):
        base = rows.get(f"GuestRam2GiB/{BASE}/{g}")
        bm = base["metadata_bytes"] if base and not base.get("error_occurred") else None
        for a in ALL:
            b = rows.get(f"GuestRam2GiB/{a}/{g}")
            if b is None:
                continue
            if b.get("error_occurred"):
                out.append(f"| {a} | {g} | error: {b.get('error_message')} | | | |")
                continue
            m = b["metadata_bytes"]
            out.append(f"| {a} | {g} | {fmt_bytes(m)} ({int(m):,} B) | {fmt_bytes(b['cslot_bytes'])} | "
                       f"{fmt_bytes(b['paging_bytes'])} | {fmt_x(bm / m) if bm else 'n/a'} |")
    return out


# Churn's variants (ChurnBooted, ChurnVmm) follow it; see docs/benchmarks.md.
SPEED_WORKLOADS = ("Boot", "Churn", "ChurnBooted", "ChurnVmm", "GuestRam", "DeviceFrames")


def kernel_per_op(rows, w, a):
    """Calls and zeroed bytes per operation from the workload's counted case (the
    same for every backend: they are what the allocator asks of the kernel)."""
    b = counted(rows, w, a)
    if b is None:
        return " | "
    ops = b["k_ops"] or 1
    zb = f"{b['k_zeroed_bytes'] / ops:,.1f}" if b.get("k_zeroed_known", 0) >= 1 else "n/a"
    return f"{b['k_calls'] / ops:,.3f} | {zb}"


def speed_table(rows):
    out = ["| workload | backend | allocator | ns/op (CPU) | allocman-style / this | std::map / this | kernel calls / op | zeroed B / op | failed allocations per pass | mempool free chunks / nodes |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for w in SPEED_WORKLOADS:
        for be in ("null", "model"):
            base = ns_per_op(rows.get(f"{w}/{BASE}/{be}"))
            mp = ns_per_op(rows.get(f"{w}/{MAP}/null"))
            for a in ALL:
                b = rows.get(f"{w}/{a}/{be}")
                if b is None:
                    continue
                v = ns_per_op(b)
                failed = b.get("failed_allocations_per_pass")
                heap = (f"{b['heap_free_chunks']:,.0f} / {b['heap_nodes']:,.0f}"
                        if "heap_free_chunks" in b else "")
                err = f" (error: {b.get('error_message')})" if b.get("error_occurred") else ""
                out.append(f"| {w} | {be} | {a}{err} | {fmt_ns(v)} | "
                           f"{fmt_x(base / v) if base and v else 'n/a'} | "
                           f"{fmt_x(mp / v) if (mp and v and be == 'null') else 'n/a'} | "
                           f"{kernel_per_op(rows, w, a)} | "
                           f"{'' if failed is None else f'{failed:,.0f}'} | {heap} |")
    return out


def scaling_series(rows):
    series = {}
    for a in ALL:
        pts = []
        for bits in range(30, 41, 2):
            v = ns_per_op(rows.get(f"Scaling/{a}/{bits}"))
            if v is not None:
                pts.append((bits, v))
        if pts:
            series[a] = pts
    return series


def scaling_table(series):
    bits = sorted({b for pts in series.values() for b, _ in pts})
    head = "| allocator | " + " | ".join(f"2^{b} B" for b in bits) + " | 1 TiB / 1 GiB |"
    out = [head, "| --- | " + " | ".join("---:" for _ in bits) + " | ---: |"]
    for a, pts in series.items():
        d = dict(pts)
        r = d[40] / d[30] if 40 in d and 30 in d else None
        out.append(f"| {a} | " + " | ".join(fmt_ns(d.get(b)) for b in bits) + f" | {fmt_x(r)} |")
    return out


# ---- kernel work (the counted cases) ----------------------------------------

# Workloads with a counted case, and the case's name stem.
KERNEL_WORKLOADS = ("Boot", "Churn", "ChurnBooted", "ChurnVmm", "GuestRam", "DeviceFrames", "Range64MiB",
                    "Scaling@30", "Scaling@40")
COUNTED_ALL = [BASE, MAP] + RETYPE


def counted(rows, w, a):
    """The counted row of workload w for allocator a (Scaling@bits: its size)."""
    if "@" in w:
        stem, bits = w.split("@")
        b = rows.get(f"{stem}/{a}/counted/{bits}")
    else:
        b = rows.get(f"{w}/{a}/counted")
    return None if b is None or b.get("error_occurred") or "k_calls" not in b else b


def null_row(rows, w, a):
    if "@" in w:
        stem, bits = w.split("@")
        return rows.get(f"{stem}/{a}/{bits}")
    return rows.get(f"{w}/{a}/null")


def fmt_n(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def kernel_table(rows):
    out = ["| workload | allocator | ns/op (CPU, null) | kernel calls / pass | calls / op | retypes | deletes | revokes "
           "| objects | resets | zeroed bytes / pass | zeroed B / op | allocman-style calls / this |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for w in KERNEL_WORKLOADS:
        base = counted(rows, w, BASE)
        for a in COUNTED_ALL:
            b = counted(rows, w, a)
            if b is None:
                continue
            ops = b["k_ops"] or 1
            known = b.get("k_zeroed_known", 0) >= 1
            zb = b["k_zeroed_bytes"] if known else None
            ratio = fmt_x(base["k_calls"] / b["k_calls"]) if base and b["k_calls"] else "n/a"
            out.append(f"| {w.replace('@', ' 2^')} | {a} | {fmt_ns(ns_per_op(null_row(rows, w, a)))} | "
                       f"{fmt_n(b['k_calls'])} | {fmt_n(b['k_calls'] / ops, 3)} | {fmt_n(b['k_retypes'])} | "
                       f"{fmt_n(b['k_deletes'])} | {fmt_n(b['k_revokes'])} | {fmt_n(b['k_objects'])} | "
                       f"{fmt_n(b['k_resets']) if known else 'n/a'} | {fmt_bytes(zb) if known else 'n/a'}"
                       f"{f' ({zb:,.0f} B)' if known else ''} | {fmt_n(zb / ops if known else None, 1)} | {ratio} |")
    return out


def load_callgrind(path):
    if not path:
        return {}
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


CG_ALLOCATORS = (BASE, "retype_buddy", "retype_binary_search", FLOOR)


def callgrind_table(cg):
    out = ["| workload | allocator | instructions / step | minus the floor | allocman-style / this (minus the floor) |",
           "| --- | --- | ---: | ---: | ---: |"]
    for w, per in cg.items():
        fl = per.get(FLOOR)
        fl_step = fl["ir"] / fl["steps"] if fl else 0.0
        base = per.get(BASE)
        base_net = base["ir"] / base["steps"] - fl_step if base else None
        for a in CG_ALLOCATORS:
            r = per.get(a)
            if r is None:
                continue
            step = r["ir"] / r["steps"]
            net = step - fl_step
            ratio = fmt_x(base_net / net) if (base_net and a != FLOOR and net > 0) else ""
            out.append(f"| {w} | {a} | {step:,.1f} | {'' if a == FLOOR else f'{net:,.1f}'} | {ratio} |")
    return out


def halvings_floor(w, frames):
    """The fewest kernel calls for a range of `frames` 4 KiB frames: ceil(frames / 256)
    retypes plus the halvings that carve the range out of its untyped (see suite.cpp)."""
    return {"GuestRam": 0, "Range64MiB": 3}[w] + -(-int(frames) // 256), {"GuestRam": 0, "Range64MiB": 3}[w]


def issue15_targets(rows, series, cg):
    out = []
    # CPU, null backend: >= 2x allocman-style (buddy and binary_search); DeviceFrames >= 100x.
    for w, want in (("Churn", 2), ("ChurnBooted", 2), ("ChurnVmm", 2), ("Boot", 2), ("DeviceFrames", 100)):
        base = ns_per_op(rows.get(f"{w}/{BASE}/null"))
        for a in ("retype_buddy", "retype_binary_search"):
            v = ns_per_op(rows.get(f"{w}/{a}/null"))
            if v is None or base is None:
                continue
            r = base / v
            extra = ""
            per = cg.get(w, {})
            if a in per and BASE in per:
                fl = per[FLOOR]["ir"] / per[FLOOR]["steps"] if FLOOR in per else 0.0
                ca = per[a]["ir"] / per[a]["steps"]
                cb = per[BASE]["ir"] / per[BASE]["steps"]
                extra = (f"; callgrind: {ca:,.0f} against {cb:,.0f} instructions per step, "
                         f"allocman-style/this {cb / ca:.2f}x ({(cb - fl) / (ca - fl):.2f}x without the harness)")
            out.append(f"- CPU, {w} (null backend), {a}: allocman-style/this {r:.2f}x (target >= {want}x): "
                       f"**{'met' if r >= want else 'not met'}**{extra}")
    # Kernel calls: retype's count at most allocman-style's on every workload.
    for w in KERNEL_WORKLOADS:
        base = counted(rows, w, BASE)
        if base is None:
            continue
        for a in RETYPE:
            b = counted(rows, w, a)
            if b is None:
                continue
            ok = b["k_calls"] <= base["k_calls"]
            note = ""
            failed = b.get("failed_allocations_per_pass", 0)
            if failed:
                note = f" ({failed:,.0f} of its allocations failed: fewer calls for less work)"
            out.append(f"- Kernel calls, {w.replace('@', ' 2^')}, {a}: {b['k_calls']:,.0f} against allocman-style's "
                       f"{base['k_calls']:,.0f} (target <=): **{'met' if ok else 'not met'}**{note}")
    # Ranges: within 1.05x of ceil(frames / 256) plus the halvings.
    for w in ("GuestRam", "Range64MiB"):
        for a in RETYPE:
            b = counted(rows, w, a)
            if b is None:
                continue
            floor, halv = halvings_floor(w, b["k_ops"])
            ok = b["k_calls"] <= 1.05 * floor
            out.append(f"- Range calls, {w} ({b['k_ops']:,.0f} frames), {a}: {b['k_calls']:,.0f} against "
                       f"ceil(frames / 256) + {halv} halvings = {floor:,} (target <= 1.05x = {1.05 * floor:,.1f}): "
                       f"**{'met' if ok else 'not met'}**")
    # No regression: metadata and scaling.
    for a in RETYPE:
        b = rows.get(f"GuestRam2GiB/{a}/4KiB")
        if b and not b.get("error_occurred"):
            m = b["metadata_bytes"]
            out.append(f"- Metadata, 2 GiB guest at 4 KiB, {a}: {int(m):,} B (target <= 4,096 B): "
                       f"**{'met' if m <= 4096 else 'not met'}**")
    for a in RETYPE:
        d = dict(series.get(a, []))
        if 30 in d and 40 in d:
            r = d[40] / d[30]
            out.append(f"- Scaling, {a}: 1 TiB / 1 GiB = {r:.2f}x (target <= 1.2x): **{'met' if r <= 1.2 else 'not met'}**")
    return out


# ---- SVG ---------------------------------------------------------------------

COLORS = {FLOOR: "#bdc3c7", BASE: "#c0392b", MAP: "#7f8c8d", "retype_watermark": "#2980b9", "retype_buddy": "#27ae60",
          "retype_binary_search": "#8e44ad"}


def svg_scaling(series, path):
    W, H, L, R, T, B = 640, 360, 60, 170, 30, 40
    ys = [v for pts in series.values() for _, v in pts]
    ymax = max(ys) * 1.1 if ys else 1
    def x(b): return L + (b - 30) / 10 * (W - L - R)
    def y(v): return H - B - v / ymax * (H - T - B)
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<text x="{L}" y="18" font-size="13">Scaling: CPU ns per operation (allocate + free of 1,024 frames) vs memory managed</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    for b in range(30, 41, 2):
        label = {30: "1 GiB", 32: "4 GiB", 34: "16 GiB", 36: "64 GiB", 38: "256 GiB", 40: "1 TiB"}[b]
        s.append(f'<text x="{x(b):.0f}" y="{H - B + 15}" text-anchor="middle">{label}</text>')
    for i in range(5):
        v = ymax * i / 4
        s.append(f'<text x="{L - 5}" y="{y(v) + 4:.0f}" text-anchor="end">{v:.0f}</text>')
        s.append(f'<line x1="{L}" y1="{y(v):.0f}" x2="{W - R}" y2="{y(v):.0f}" stroke="#ddd"/>')
    for k, (a, pts) in enumerate(series.items()):
        c = COLORS.get(a, "black")
        s.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="' +
                 " ".join(f"{x(b):.1f},{y(v):.1f}" for b, v in pts) + '"/>')
        s.append(f'<text x="{W - R + 10}" y="{T + 15 + 16 * k}" fill="{c}">{a}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def svg_footprint(rows, path):
    bars = []
    for g in ("4KiB", "2MiB", "1GiB"):
        for a in ALL:
            b = rows.get(f"GuestRam2GiB/{a}/{g}")
            if b and not b.get("error_occurred"):
                bars.append((g, a, b["metadata_bytes"]))
    W, L, T, row = 700, 200, 40, 16
    H = T + row * len(bars) + 40
    lmax = math.log10(max(m for _, _, m in bars)) if bars else 1
    def w(m): return max(1.0, math.log10(max(m, 1)) / lmax * (W - L - 110))
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<text x="10" y="18" font-size="13">2 GiB guest RAM: allocator metadata (log scale), by granule</text>']
    for i, (g, a, m) in enumerate(bars):
        yy = T + i * row
        s.append(f'<text x="{L - 6}" y="{yy + 11}" text-anchor="end">{g} {a}</text>')
        s.append(f'<rect x="{L}" y="{yy}" width="{w(m):.1f}" height="{row - 4}" fill="{COLORS.get(a, "black")}"/>')
        s.append(f'<text x="{L + w(m) + 5:.1f}" y="{yy + 11}">{fmt_bytes(m)}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--machine")
    ap.add_argument("--callgrind")
    ap.add_argument("--doc", default="docs/benchmarks.md")
    ap.add_argument("--img", default="docs/img")
    args = ap.parse_args()
    ctx, rows = load(args.json)
    cg = load_callgrind(args.callgrind)
    series = scaling_series(rows)
    svg_scaling(series, f"{args.img}/bench-scaling.svg")
    svg_footprint(rows, f"{args.img}/bench-footprint.svg")

    machine = open(args.machine).read().strip().splitlines() if args.machine else []
    gen = [BEGIN, "", "### Machine and run", ""]
    gen += [f"- {line}" for line in machine]
    gen += [f"- Google Benchmark context: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
            f"library build type {ctx.get('library_build_type', '?')}, load average {ctx.get('load_avg', '?')}",
            f"- JSON: `{args.json}`", ""]
    gen += ["### Targets of issue 15", ""] + issue15_targets(rows, series, cg) + [""]
    gen += ["### 1. Footprint: 2 GiB guest RAM", "", "![footprint](img/bench-footprint.svg)", ""] + footprint_table(rows) + [""]
    gen += ["### 2. Speed", ""] + speed_table(rows) + [""]
    gen += ["### 3. Kernel work per workload (counted over the kernel model, same run)", ""] + kernel_table(rows) + [""]
    gen += ["### 4. Instructions per churn step, and per request of Boot and DeviceFrames (callgrind, null backend)", ""]
    gen += (callgrind_table(cg) if cg else ["(no callgrind figures in this run)"]) + [""]
    gen += ["### 5. Scaling (null backend, CPU ns per operation)", "", "![scaling](img/bench-scaling.svg)", ""]
    gen += scaling_table(series) + ["", END]

    try:
        doc = open(args.doc).read()
    except FileNotFoundError:
        doc = f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{args.doc}: missing the GENERATED markers")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.doc, "w") as f:
        f.write(head + "\n".join(gen) + tail)


if __name__ == "__main__":
    main()
