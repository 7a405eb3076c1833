#!/usr/bin/env python3
"""blobs.py: a small Blob Storage client for nsgflow's tests (Python 3
standard library only), signing each REST request with Shared Key.

The account, endpoint and key come from AZURITE_ACCOUNT, AZURITE_ENDPOINT
and AZURITE_KEY (tests/azurite/lib.sh exports them).

  mkcontainer NAME | rmcontainer NAME
  put-flowlog CONTAINER BLOB FILE     a flow log as Azure writes it: one block
                                      for '{"records":[', one per record, ']}'
  append-flowlog CONTAINER BLOB FILE  FILE's records as new blocks before ']}'
  put-tree CONTAINER DIR [--prefix P] every file under DIR, by relative path
  sas CONTAINER --perms rl --expiry ISO   a service SAS token for the container
  list CONTAINER [--prefix P] [--maxresults N] [--sas TOKEN]   names, every page
  get CONTAINER BLOB                  the blob's bytes to standard output
  blocks CONTAINER BLOB               the committed blocks' sizes, in order
"""
import argparse
import base64
import concurrent.futures
import email.utils
import hashlib
import hmac
import http.client
import json
import os
import sys
import threading
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

VERSION = "2021-08-06"
# (the characters JavaScript's encodeURI keeps, less '?' and '#')
PATH_SAFE = "/;,:@&=+$-_.!~*'()"


class BlobError(Exception):
    def __init__(self, status, reason, body):
        super().__init__("%d %s: %s" % (status, reason, body.decode("utf-8", "replace")[:400]))
        self.status = status


class Client:
    """One keep-alive connection per thread to the account's endpoint."""

    def __init__(self, endpoint, account, key):
        u = urllib.parse.urlsplit(endpoint)
        if u.scheme != "http":
            raise SystemExit("blobs.py: the endpoint must be http:// (Azurite): %s" % endpoint)
        self.host, self.port = u.hostname, u.port or 80
        self.base = u.path.rstrip("/")           # /devstoreaccount1 (path style)
        self.account = account
        self.key = base64.b64decode(key)
        self.local = threading.local()

    def _conn(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.conn = c
        return c

    def path(self, container="", blob=""):
        p = self.base + "/" + container
        if blob:
            p += "/" + blob
        return urllib.parse.quote(p, safe=PATH_SAFE)

    def sign(self, verb, path, query, headers):
        """The Shared Key signature of a request (Authorization header)."""
        h = {k.lower(): str(v) for k, v in headers.items()}
        length = h.get("content-length", "")
        if length == "0":
            length = ""
        parts = [verb, h.get("content-encoding", ""), h.get("content-language", ""), length,
                 h.get("content-md5", ""), h.get("content-type", ""), h.get("date", ""),
                 h.get("if-modified-since", ""), h.get("if-match", ""), h.get("if-none-match", ""),
                 h.get("if-unmodified-since", ""), h.get("range", "")]
        canon_headers = "".join("%s:%s\n" % (k, " ".join(h[k].split()))
                                for k in sorted(h) if k.startswith("x-ms-"))
        resource = "/" + self.account + path
        params = {}
        for k, v in query:
            params.setdefault(k.lower(), []).append(v)
        for k in sorted(params):
            resource += "\n%s:%s" % (k, ",".join(sorted(params[k])))
        text = "\n".join(parts) + "\n" + canon_headers + resource
        mac = hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).digest()
        return "SharedKey %s:%s" % (self.account, base64.b64encode(mac).decode())

    def request(self, verb, container="", blob="", query=(), body=b"", headers=None,
                ok=(200, 201, 202), sas=None):
        path = self.path(container, blob)
        h = {"x-ms-version": VERSION, "x-ms-date": email.utils.formatdate(usegmt=True),
             "Content-Length": str(len(body))}
        h.update(headers or {})
        q = urllib.parse.urlencode(list(query), quote_via=urllib.parse.quote)
        if sas:
            q = q + "&" + sas if q else sas
        else:
            h["Authorization"] = self.sign(verb, path, list(query), h)
        url = path + ("?" + q if q else "")
        for attempt in (1, 2):
            c = self._conn(fresh=attempt == 2)
            try:
                c.request(verb, url, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt == 2:        # (a kept-alive connection the server had closed)
                    raise
        if r.status not in ok:
            raise BlobError(r.status, r.reason, data)
        return r, data

    # --- containers ----------------------------------------------------------
    def mkcontainer(self, name):
        self.request("PUT", name, query=[("restype", "container")])

    def rmcontainer(self, name):
        self.request("DELETE", name, query=[("restype", "container")])

    # --- blobs ---------------------------------------------------------------
    def put_blob(self, container, blob, data):
        self.request("PUT", container, blob, body=data,
                     headers={"x-ms-blob-type": "BlockBlob",
                              "Content-Type": "application/octet-stream"})

    def get(self, container, blob):
        return self.request("GET", container, blob)[1]

    def put_block(self, container, blob, block_id, data):
        self.request("PUT", container, blob, body=data,
                     query=[("comp", "block"), ("blockid", block_id)])

    def put_block_list(self, container, blob, entries):
        """entries: (kind, id) with kind Committed, Uncommitted or Latest"""
        xml = '<?xml version="1.0" encoding="utf-8"?><BlockList>' + "".join(
            "<%s>%s</%s>" % (k, i, k) for k, i in entries) + "</BlockList>"
        self.request("PUT", container, blob, body=xml.encode(), query=[("comp", "blocklist")],
                     headers={"Content-Type": "application/xml",
                              "x-ms-blob-content-type": "application/json"})

    def committed_blocks(self, container, blob):
        """[(id, size)] of the blob's committed blocks, in order"""
        _, data = self.request("GET", container, blob,
                               query=[("comp", "blocklist"), ("blocklisttype", "committed")])
        root = ET.fromstring(data)
        return [(b.findtext("Name"), int(b.findtext("Size")))
                for b in root.iter("Block") if b.findtext("Name") is not None]

    def list(self, container, prefix=None, maxresults=None, sas=None):
        """Yields (page number, names of that page), following NextMarker."""
        marker, page = "", 0
        while True:
            q = [("restype", "container"), ("comp", "list")]
            if prefix:
                q.append(("prefix", prefix))
            if maxresults:
                q.append(("maxresults", str(maxresults)))
            if marker:
                q.append(("marker", marker))
            _, data = self.request("GET", container, query=q, sas=sas)
            root = ET.fromstring(data)
            page += 1
            yield page, [b.findtext("Name") for b in root.iter("Blob")]
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return

    def sas(self, container, perms, expiry, start=None):
        """A service SAS (version VERSION) for a whole container."""
        canonical = "/blob/%s/%s" % (self.account, container)
        fields = [perms, start or "", expiry, canonical, "", "", "", VERSION, "c",
                  "", "", "", "", "", "", ""]
        # (permissions, start, expiry, resource, identifier, IP, protocol,
        # version, resource type, snapshot time, encryption scope, then the
        # five response headers: cache control, disposition, encoding,
        # language, type)
        mac = hmac.new(self.key, "\n".join(fields).encode(), hashlib.sha256).digest()
        q = [("sv", VERSION), ("sr", "c"), ("sp", perms)]
        if start:
            q.append(("st", start))
        q += [("se", expiry), ("sig", base64.b64encode(mac).decode())]
        return urllib.parse.urlencode(q, quote_via=urllib.parse.quote)


# --- flow logs, block by block as Azure writes them ---------------------------
def new_block_id():
    # every id of a blob must be as long as the others: 32 hex digits
    return base64.b64encode(uuid.uuid4().hex.encode()).decode()


def read_records(path):
    with open(path, "rb") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
        raise SystemExit("blobs.py: %s: not a flow log ({\"records\": [...]})" % path)
    return [json.dumps(r, separators=(",", ":")).encode() for r in doc["records"]]


def put_flowlog(cl, container, blob, path):
    records = read_records(path)
    ids = []
    for data in [b'{"records":['] + [(b"," if i else b"") + r for i, r in enumerate(records)] + [b"]}"]:
        bid = new_block_id()
        cl.put_block(container, blob, bid, data)
        ids.append(("Latest", bid))
    cl.put_block_list(container, blob, ids)


def append_flowlog(cl, container, blob, path):
    records = read_records(path)
    blocks = cl.committed_blocks(container, blob)
    if len(blocks) < 2 or blocks[-1][1] != 2:
        raise SystemExit("blobs.py: %s/%s: not a flow log written block by block "
                         "(the last block is not ']}')" % (container, blob))
    had = len(blocks) > 2                       # records before these
    entries = [("Committed", i) for i, _ in blocks[:-1]]
    for n, r in enumerate(records):
        bid = new_block_id()
        cl.put_block(container, blob, bid, (b"," if had or n else b"") + r)
        entries.append(("Latest", bid))
    entries.append(("Committed", blocks[-1][0]))
    cl.put_block_list(container, blob, entries)


def put_tree(cl, container, top, prefix="", threads=8):
    names = []
    for d, _, files in os.walk(top):
        for f in files:
            full = os.path.join(d, f)
            names.append((full, prefix + os.path.relpath(full, top).replace(os.sep, "/")))
    names.sort()

    def one(item):
        with open(item[0], "rb") as f:
            cl.put_blob(container, item[1], f.read())

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(one, names):
            pass
    return len(names)


def main():
    ap = argparse.ArgumentParser(description="Blob Storage for nsgflow's tests (Shared Key).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("mkcontainer", "rmcontainer"):
        sub.add_parser(name).add_argument("container")
    for name in ("put-flowlog", "append-flowlog"):
        p = sub.add_parser(name)
        p.add_argument("container")
        p.add_argument("blob")
        p.add_argument("file")
    p = sub.add_parser("put-tree")
    p.add_argument("container")
    p.add_argument("dir")
    p.add_argument("--prefix", default="")
    p.add_argument("--threads", type=int, default=8)
    p = sub.add_parser("sas")
    p.add_argument("container")
    p.add_argument("--perms", default="rl")
    p.add_argument("--expiry", required=True, help="e.g. 2030-01-01T00:00:00Z (a past one: expired)")
    p.add_argument("--start")
    p = sub.add_parser("list")
    p.add_argument("container")
    p.add_argument("--prefix")
    p.add_argument("--maxresults", type=int)
    p.add_argument("--sas", help="a SAS token instead of the key")
    p.add_argument("--pages", action="store_true", help="the number of pages to stderr")
    p = sub.add_parser("blocks", help="the committed blocks' sizes, in order")
    p.add_argument("container")
    p.add_argument("blob")
    p = sub.add_parser("get")
    p.add_argument("container")
    p.add_argument("blob")
    a = ap.parse_args()

    env = {k: os.environ.get(k) for k in ("AZURITE_ENDPOINT", "AZURITE_ACCOUNT", "AZURITE_KEY")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        raise SystemExit("blobs.py: %s not set (tests/azurite/lib.sh's azurite_start sets them)"
                         % ", ".join(missing))
    cl = Client(env["AZURITE_ENDPOINT"], env["AZURITE_ACCOUNT"], env["AZURITE_KEY"])
    try:
        if a.cmd == "mkcontainer":
            cl.mkcontainer(a.container)
        elif a.cmd == "rmcontainer":
            cl.rmcontainer(a.container)
        elif a.cmd == "put-flowlog":
            put_flowlog(cl, a.container, a.blob, a.file)
        elif a.cmd == "append-flowlog":
            append_flowlog(cl, a.container, a.blob, a.file)
        elif a.cmd == "put-tree":
            put_tree(cl, a.container, a.dir, a.prefix, a.threads)
        elif a.cmd == "sas":
            print(cl.sas(a.container, a.perms, a.expiry, a.start))
        elif a.cmd == "list":
            pages = 0
            out = sys.stdout
            for pages, names in cl.list(a.container, a.prefix, a.maxresults, a.sas):
                out.write("".join(n + "\n" for n in names))
            if a.pages:
                print("pages: %d" % pages, file=sys.stderr)
        elif a.cmd == "blocks":
            print(" ".join(str(n) for _, n in cl.committed_blocks(a.container, a.blob)))
        elif a.cmd == "get":
            sys.stdout.buffer.write(cl.get(a.container, a.blob))
    except BlobError as e:
        print("blobs.py: %s: %s" % (a.cmd, e), file=sys.stderr)
        sys.exit(1)
    except (OSError, http.client.HTTPException) as e:     # (no server, a connection cut)
        print("blobs.py: %s: %s: %s" % (a.cmd, env["AZURITE_ENDPOINT"], e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
