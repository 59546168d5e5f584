#!/usr/bin/env python3
"""A process's resident memory by what is mapped (from /proc/PID/smaps), in MB: DuckDB's native library, the JVM's
library and its class-data archive, other libraries, the usage ledger's files (its mapped journal segments), and
anonymous memory (the Java heap, the JVM's other areas, glibc's and DuckDB's allocators: NMT splits these). With the
node's log, also the last totals that DuckDB's own allocator (jemalloc) printed there: it prints them when
DUCKDB_JE_MALLOC_CONF has stats_interval (e.g. stats_interval:16777216,stats_interval_opts:gmablxeh: every 16 MB it
allocated). Used by bench/gateway.sh (NMT_DIR); by hand:
  bench/smaps-by-mapping.py PID [NODE_LOG]
"""
import re
import sys


def kind(path):
    if not path:
        return 'anonymous'
    if 'duckdb' in path and '.so' in path:
        return 'libduckdb (DuckDB, file-backed)'
    if 'libjvm' in path:
        return 'libjvm (file-backed)'
    if path.endswith('.jsa'):
        return 'class-data archive (file-backed)'
    if 'journal' in path or '/usage' in path:
        return 'usage ledger files (mapped journal)'
    if path.startswith('['):
        return 'anonymous' if path == '[heap]' else 'kernel, stacks'
    return 'other files and libraries'


def main():
    pid = sys.argv[1]
    rss = {}
    current = None
    with open(f'/proc/{pid}/smaps') as smaps:
        for line in smaps:
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                fields = line.split(None, 5)
                current = kind(fields[5].strip() if len(fields) > 5 else '')
            elif line.startswith('Rss:'):
                rss[current] = rss.get(current, 0) + int(line.split()[1])
    print('RSS by mapping, MB: total %.1f' % (sum(rss.values()) / 1024))
    for k, kb in sorted(rss.items(), key=lambda kv: -kv[1]):
        print('  %-40s %7.1f' % (k, kb / 1024))
    if len(sys.argv) > 2:
        with open(sys.argv[2], 'rb') as log:
            found = re.findall(rb'Allocated: (\d+), active: (\d+), metadata: (\d+).*?resident: (\d+), mapped: (\d+), retained: (\d+)',
                               log.read())
        if found:
            print("DuckDB's allocator (jemalloc), MB: allocated %.1f, active %.1f, metadata %.1f, resident %.1f, mapped %.1f, retained %.1f"
                  % tuple(int(x) / 2 ** 20 for x in found[-1]))


if __name__ == '__main__':
    main()
