#!/usr/bin/env python3
"""Summarises `perf record -g` profiles of a node (bench/gateway.sh with PERF_DIR) as CPU per request, side by side:
  bench/perf-stages.py PERF_DIR/<config>-<rate>.data [MORE.data ...]
For each recording: the CPU a request of each thread group (names with digits folded), then the event loop's by what
its leaf frame is (the kernel, Netty, Vert.x by part, Micrometer, JSON, Switchboard, the JDK) and by stage: the
outermost Switchboard frame on the stack (the handler that runs: the web verticle's, the router's, the backend's), or
what runs without one (Netty reading a socket, the event loop waiting in epoll). µs a request = samples / 2999 Hz /
the requests of the window (<config>-<rate>.requests, written beside the recording). The JIT's symbols come from
<config>-<rate>.map, copied to /tmp/perf-<pid>.map where perf looks for them."""
import collections, os, re, shutil, subprocess, sys

HZ = 2999
LOOP = "vert.x-eventloo"


def load(data):
    base = data[:-len(".data")] if data.endswith(".data") else data
    pid = subprocess.run(["perf", "script", "-i", data, "-F", "pid"], capture_output=True, text=True).stdout.split()[0]
    if os.path.exists(base + ".map") and not os.path.exists(f"/tmp/perf-{pid}.map"):
        shutil.copy(base + ".map", f"/tmp/perf-{pid}.map")
    requests = int(open(base + ".requests").read().split()[0])
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"], capture_output=True, text=True).stdout
    samples, cur = [], None
    for line in out.split("\n"):
        if not line.strip():
            if cur is not None:
                samples.append(cur)
            cur = None
        elif not line.startswith((" ", "\t")):
            cur = (re.sub(r"[0-9]+", "N", line.strip()), [])
        elif cur is not None:
            parts = line.strip().split(None, 1)
            sym = re.sub(r"\(.*", "", parts[1] if len(parts) > 1 else "?")
            sym = sym.split()[-1] if " " in sym else sym
            cur[1].append(re.sub(r"\$\$Lambda/0x[0-9a-f]+", "$$Lambda", sym))
    if cur is not None:
        samples.append(cur)
    return samples, max(1, requests)


def leaf(frames):
    f = frames[0] if frames else "?"
    for prefix, name in (("io.netty", "Netty"), ("io.vertx.core.eventbus", "Vert.x event bus"),
                         ("io.vertx.core.http", "Vert.x HTTP"), ("io.vertx.core.json", "Vert.x JSON"),
                         ("io.vertx.core", "Vert.x other"), ("io.vertx.ext.web", "Vert.x Web"),
                         ("io.micrometer", "Micrometer"), ("io.vertx.micrometer", "Micrometer"),
                         ("com.fasterxml", "Jackson"), ("io.switchboard", "Switchboard (with what the JIT inlined)"),
                         ("java.", "JDK"), ("jdk.", "JDK"), ("sun.", "JDK")):
        if f.startswith(prefix):
            return name
    return "kernel, libc, JVM" if "." not in f or "::" in f or f[0].islower() else "other"


def stage(frames):
    ours = [f for f in frames if f.startswith("io.switchboard.")]
    if ours:
        return ours[-1][len("io.switchboard."):]
    if any("NioIoHandler.select" in f or "epoll_wait" in f for f in frames):
        return "(epoll: waiting, waking)"
    if any("processSelectedKey" in f for f in frames):
        return "(Netty reading a socket, before any handler of ours)"
    return "(other)"


def table(title, rows, runs):
    print(f"\n== {title}")
    print("%-64s" % "", *["%14s" % os.path.basename(d)[:14] for d in runs])
    for key in rows:
        print("%-64s" % key[:64], *["%14.1f" % runs[d].get(key, 0.0) for d in runs])


def main():
    files = sys.argv[1:]
    if not files:
        sys.exit(__doc__)
    threads, leaves, stages = {}, {}, {}
    for d in files:
        samples, requests = load(d)
        us = lambda n: 1e6 * n / HZ / requests
        t, l, s = collections.Counter(), collections.Counter(), collections.Counter()
        for comm, frames in samples:
            t[comm] += 1
            if comm.startswith(LOOP):
                l[leaf(frames)] += 1
                s[stage(frames)] += 1
        threads[d] = {k: us(v) for k, v in t.items()}
        threads[d]["TOTAL"] = us(len(samples))
        leaves[d] = {k: us(v) for k, v in l.items()}
        stages[d] = {k: us(v) for k, v in s.items()}
    order = lambda runs: sorted({k for r in runs.values() for k in r}, key=lambda k: -runs[files[0]].get(k, 0))
    table("CPU µs a request by thread group (samples)", [k for k in order(threads) if max(r.get(k, 0) for r in threads.values()) >= 0.5], threads)
    table("event loop, µs a request by leaf frame", order(leaves), leaves)
    table("event loop, µs a request by stage (outermost Switchboard frame)",
          [k for k in order(stages) if max(r.get(k, 0) for r in stages.values()) >= 0.3], stages)


main()
