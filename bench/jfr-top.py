#!/usr/bin/env python3
"""Summarises the CPU-time samples (jdk.CPUTimeSample, JDK 25; else jdk.ExecutionSample) of a JFR recording (bench/gateway.sh with JFR_DIR): samples per thread group, the top
frames by self samples, and by inclusive samples (a method counted once per stack it is on).
  bench/jfr-top.py RECORDING.jfr [TOP=30] [FILTER]   (FILTER: only stacks with a frame containing it)
With --alloc, the allocation samples (jdk.ObjectAllocationSample, each weighed by the bytes it stands for) instead: bytes
per thread group (each thread's first sample left out: it weighs all the thread allocated before the
recording), per class, per allocating frame, per first frame of Switchboard's own (io.switchboard.: who asked
for it) and inclusive; with REQUESTS=N in the environment, also as bytes a request (N: the requests the recording saw).
  bench/jfr-top.py --alloc RECORDING.jfr [TOP=30] [FILTER]"""
import collections, json, os, re, subprocess, sys

jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "jfr")
args = sys.argv[1:]
alloc = args[:1] == ["--alloc"]
if alloc:
    args = args[1:]
path = args[0]
top = int(args[1]) if len(args) > 1 else 30
only = args[2] if len(args) > 2 else None

def frame_name(f):
    return f["method"]["type"]["name"] + "." + f["method"]["name"]

def allocations():
    out = subprocess.run([jfr, "print", "--json", "--stack-depth", "96", "--events", "jdk.ObjectAllocationSample", path],
                         capture_output=True, text=True, check=True).stdout
    evs = sorted(json.loads(out)["recording"]["events"], key=lambda e: e["values"]["startTime"])
    # A thread's first sample weighs all it allocated before the recording began (the JVM's counter starts at the
    # thread's start): left out.
    seen = set()
    total = 0
    threads, classes, selfc, own_frames, ours, incl = (collections.Counter() for _ in range(6))
    for ev in evs:
        v = ev["values"]
        frames = [frame_name(f) for f in ((v.get("stackTrace") or {}).get("frames") or [])]
        if only and not any(only in f for f in frames):
            continue
        t = v.get("eventThread") or {}
        tid = t.get("javaThreadId", t.get("osThreadId"))
        if tid not in seen:
            seen.add(tid)
            continue
        w = int(v["weight"])
        total += w
        threads[re.sub(r"\d+", "N", t.get("javaName") or t.get("osName") or "?")] += w
        classes[(v.get("objectClass") or {}).get("name", "?")] += w
        if frames:
            selfc[frames[0]] += w
        own = next((f for f in frames if f.startswith("io.switchboard.") or f.startswith("io/switchboard/")), None)
        own_frames[own or "(none of ours)"] += w
        ours[(own or "(none of ours)") + "  <-  " + (frames[0] if frames else "?")] += w
        for f in set(frames):
            incl[f] += w
    requests = int(os.environ.get("REQUESTS", "0"))
    def show(title, c, n):
        per = f", KB a request over {requests}" if requests else ""
        print(f"\n== {title} (of {total / 1e6:.1f} MB sampled{per})")
        for k, b in c.most_common(n):
            extra = f" {b / requests / 1024:8.2f} KB" if requests else ""
            print(f"{b / 1e6:9.1f} MB {100.0 * b / max(total, 1):5.1f}%{extra}  {k}")
    show("threads", threads, 20)
    show("classes", classes, top)
    show("allocating frame", selfc, top)
    show("first Switchboard frame", own_frames, top)
    show("first Switchboard frame <- allocating frame", ours, top)
    show("inclusive", incl, top)

if alloc:
    allocations()
    sys.exit(0)
def events(name):
    return subprocess.run([jfr, "print", "--stack-depth", "96", "--events", name, path],
                          capture_output=True, text=True, check=True).stdout
event = "jdk.CPUTimeSample"
text = events(event)
if event + " {" not in text:
    event = "jdk.ExecutionSample"
    text = events(event)
threads, selfc, incl = collections.Counter(), collections.Counter(), collections.Counter()
total = 0
for ev in text.split(event + " {")[1:]:
    m = re.search(r'(?:sampledThread|eventThread) = "([^"]*)"', ev)
    thread = re.sub(r"\d+", "N", m.group(1)) if m else "?"
    frames = [re.sub(r"\s+line:.*$", "", f.strip()) for f in ev.split("stackTrace = [", 1)[-1].split("\n")[1:]]
    frames = [f for f in frames if f and not f.startswith("]") and not f.startswith("}") and f != "..."]
    if only and not any(only in f for f in frames):
        continue
    total += 1
    threads[thread] += 1
    if frames:
        selfc[frames[0]] += 1
    for f in set(frames):
        incl[f] += 1
def show(title, c, n):
    print(f"\n== {title} (of {total} {event} samples)")
    for k, v in c.most_common(n):
        print(f"{v:7d} {100.0 * v / max(total, 1):5.1f}%  {k}")
show("threads", threads, 20)
show("self", selfc, top)
show("inclusive", incl, top)
