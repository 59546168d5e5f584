#!/usr/bin/env python3
"""Summarises the CPU-time samples (jdk.CPUTimeSample, JDK 25; else jdk.ExecutionSample) of a JFR recording (bench/gateway.sh with JFR_DIR): samples per thread group, the top
frames by self samples, and by inclusive samples (a method counted once per stack it is on).
  bench/jfr-top.py RECORDING.jfr [TOP=30] [FILTER]   (FILTER: only stacks with a frame containing it)"""
import collections, os, re, subprocess, sys

jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "jfr")
path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
only = sys.argv[3] if len(sys.argv) > 3 else None
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
