#!/usr/bin/env python3
# chaos.py - the JSON and file checks of the chaos suite (tests/chaos/run),
# Python 3 standard library only.
#
#   chaos.py digest RAW STATUS_DIR OUT_DIR JOB...
#       per job (STATUS_DIR/JOB.json: its final `wait --json`), what its
#       committed run left, read through `$NS_BIN store` (file:// or s3://):
#       one line "JOB rows_in= rows_out= rejects= filtered= files= load=
#       rejects_md5=": the counters, the number of load files, an MD5 over
#       the MD5s of the decompressed load files in manifest order, an MD5 of
#       the sorted reject lines with RAW written {raw}; OUT_DIR/files.txt
#       gets each file's MD5, OUT_DIR/JOB.rejects the reject lines. Exits 1
#       (saying why) when a run's prefix holds other objects than its outputs
#       (stray), a file of the manifest is missing or of another size, or its
#       reject files do not hold as many lines as the job counts rejects
#   chaos.py rejects RAW_PREFIX REJECT_FILE...
#       checks every reject line: object|offset|reason|raw (escaped as load
#       files are: \ before \ | CR LF); the object is under RAW_PREFIX
#       (file:// only), the reason is not empty, and the raw record is the
#       object's (decompressed) bytes at that offset, when it has one; prints
#       "rejects N (raw record found at its offset: K) objects M", or the
#       first problems and exits 1
import hashlib
import json
import os
import subprocess
import sys
import zlib


def store_cat(uri):
    if uri.startswith("file://"):  # the local store: its objects are files
        with open(uri[len("file://"):], "rb") as f:
            return f.read()
    r = subprocess.run([os.environ["NS_BIN"], "store", "cat", uri], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit("cannot read %s: %s" % (uri, r.stderr.decode(errors="replace").strip()))
    return r.stdout


def stray_problems(job, listing, entries):
    prefix = job["manifest"][: -len("manifest")]
    allowed = {prefix + "manifest", prefix + "job.json"}
    problems = []
    for url, n in entries:
        allowed.add(url)
        if url not in listing:
            problems.append("missing load file " + url)
        elif listing[url] != n:
            problems.append("load file %s has %d bytes, the manifest says %d" % (url, listing[url], n))
    for url in job.get("rejects_files", []):
        allowed.add(url)
        if url not in listing:
            problems.append("missing reject file " + url)
    for url in sorted(listing):
        if url not in allowed:
            problems.append("stray object " + url)
    return problems


def cmd_digest(raw, status_dir, out_dir, jobs):
    md5 = lambda b: hashlib.md5(b).hexdigest()[:12]
    files_txt = []
    for name in jobs:
        st = json.load(open(os.path.join(status_dir, name + ".json")))
        manifest_uri = st["manifest"]
        prefix = manifest_uri[: -len("manifest")]
        manifest = json.loads(store_cat(manifest_uri))
        entries = [(e["url"], int(e.get("meta", {}).get("content_length", -1))) for e in manifest.get("entries", [])]
        job = json.loads(store_cat(prefix + "job.json"))
        ls = subprocess.run([os.environ["NS_BIN"], "store", "ls", "--json", prefix], stdout=subprocess.PIPE)
        if ls.returncode != 0:
            raise SystemExit("cannot list " + prefix)
        listing = {o["uri"]: int(o["size"]) for o in json.loads(ls.stdout)}
        problems = stray_problems(job, listing, entries)
        if problems:
            raise SystemExit("the run of %s left other objects than its outputs: %s" % (name, "; ".join(problems[:5])))
        sums = []
        for url, _ in entries:
            z = subprocess.run(["zstd", "-dcq"], input=store_cat(url), stdout=subprocess.PIPE)
            if z.returncode != 0:
                raise SystemExit("load file %s does not decompress" % url)
            sums.append(md5(z.stdout))
        rejects = b"".join(store_cat(u) for u in job.get("rejects_files", []))
        with open(os.path.join(out_dir, name + ".rejects"), "wb") as f:
            f.write(rejects)
        lines = rejects.splitlines()
        if len(lines) != int(st.get("rejects", 0)):
            raise SystemExit("%s: the job counts %s rejects, its reject files list %d" % (name, st.get("rejects"), len(lines)))
        rawb = raw.encode() + b"/"
        norm = sorted((b"{raw}/" + l[len(rawb):]) if l.startswith(rawb) else l for l in lines)
        print("%s rows_in=%s rows_out=%s rejects=%s filtered=%s files=%d load=%s rejects_md5=%s" % (
            name, st.get("rows_in"), st.get("rows_out"), st.get("rejects"), st.get("filtered"), len(entries),
            md5(" ".join(sums).encode()), md5(b"\n".join(norm))))
        files_txt.append("%s %s\n" % (name, " ".join(sums)))
    with open(os.path.join(out_dir, "files.txt"), "w") as f:
        f.writelines(files_txt)


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_escaped(line, n):
    """Splits an escaped load-file line on unescaped | into at most n fields
    (the last one keeps its escapes, unescaped afterwards)."""
    fields, cur, i = [], [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            cur.append(line[i:i + 2])
            i += 2
            continue
        if c == "|" and len(fields) < n - 1:
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    fields.append("".join(cur))
    return [unescape(f) for f in fields]


def read_object(path):
    data = open(path, "rb").read()
    if path.endswith(".gz"):
        # a damaged (truncated) gzip object: what decompresses
        d = zlib.decompressobj(16 + 15)
        try:
            return d.decompress(data)
        except Exception:
            return b""
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE).stdout
    return data


def cmd_rejects(raw_prefix, files):
    if not raw_prefix.startswith("file://"):
        print("rejects: only file:// raw prefixes are checked")
        sys.exit(2)
    root = raw_prefix[len("file://"):]
    cache = {}
    problems, n, checked = [], 0, 0
    objects = set()
    for f in files:
        with open(f, "rb") as fh:
            for raw_line in fh:
                line = raw_line.decode("utf-8", "surrogateescape")
                if line.endswith("\n"):
                    line = line[:-1]
                n += 1
                fields = split_escaped(line, 4)
                if len(fields) != 4:
                    problems.append("%s: not object|offset|reason|raw: %r" % (f, line[:200]))
                    continue
                obj, off, reason, rawrec = fields
                if not obj.startswith(raw_prefix):
                    problems.append("%s: object %s is not under %s" % (f, obj, raw_prefix))
                    continue
                if not off.isdigit():
                    problems.append("%s: offset %r is not a number" % (f, off))
                    continue
                if not reason:
                    problems.append("%s: no reason: %r" % (f, line[:200]))
                objects.add(obj)
                if not rawrec:
                    continue  # damage without a record (a truncated stream)
                path = obj[len("file://"):]
                if not path.startswith(root) or not os.path.exists(path):
                    problems.append("%s: object %s does not exist" % (f, obj))
                    continue
                if path not in cache:
                    cache[path] = read_object(path)
                data = cache[path]
                want = rawrec.encode("utf-8", "surrogateescape")
                at = data[int(off): int(off) + len(want)]
                checked += 1
                if at != want:
                    problems.append("%s: %s at %s holds %r, the reject says %r" % (f, obj, off, at[:80], want[:80]))
    if problems:
        for p in problems[:20]:
            print(p)
        print("%d of %d reject lines are wrong" % (len(problems), n))
        sys.exit(1)
    print("rejects %d (raw record found at its offset: %d) objects %d" % (n, checked, len(objects)))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: chaos.py digest|rejects ...")
    c, a = sys.argv[1], sys.argv[2:]
    if c == "digest":
        cmd_digest(a[0], a[1], a[2], a[3:])
    elif c == "rejects":
        cmd_rejects(a[0], a[1:])
    else:
        sys.exit("chaos.py: unknown command " + c)


if __name__ == "__main__":
    main()
