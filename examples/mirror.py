#!/usr/bin/env python3
"""Keep a local SQLite copy of a wujin server's public offers, and check webhook signatures.

Python's standard library only. The copy starts from the bulk export, which says in its
`wujin-feed-seq` header where the change feed goes on, and then follows the feed from that
position: every change once, in order, deletes included. The position is saved in the same
transaction as the changes it covers, so a crash of this program (or of the server) never
skips or repeats anything.

    mirror.py sync http://127.0.0.1:8080 offers.db           # catch up, then exit
    mirror.py sync http://127.0.0.1:8080 offers.db --follow  # and keep following (long poll)
    mirror.py dump offers.db                                 # the copy, one JSON line per offer
    mirror.py verify --secret whsec_... --id msg_... --timestamp 1614265330 \
        --signature "v1,..." --body-file body.json           # exit 0 when the signature holds

A feed position older than the server's retention answers 410: the copy then starts again
from a fresh export.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sqlite3
import sys
import urllib.error
import urllib.request

PAGE = 100


def open_db(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS offers (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS position (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL)")
    return db


def position(db):
    row = db.execute("SELECT seq FROM position").fetchone()
    return row[0] if row else None


def save_position(db, seq):
    db.execute("INSERT INTO position (one, seq) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq", (seq,))


def start_from_export(db, base):
    """Replaces the copy with the export; returns the feed position it stands at."""
    with urllib.request.urlopen(base + "/api/v1/export/offers?format=jsonl", timeout=600) as resp:
        seq = int(resp.headers["wujin-feed-seq"])
        with db:
            db.execute("DELETE FROM offers")
            for line in resp:
                line = line.strip()
                if line:
                    offer = json.loads(line)
                    db.execute("INSERT INTO offers (id, body) VALUES (?, ?)", (offer["id"], canonical(offer)))
            save_position(db, seq)
    return seq


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_page(base, since, wait):
    url = f"{base}/api/v1/changes?types=offer&limit={PAGE}&since={since}&wait={wait}"
    with urllib.request.urlopen(url, timeout=wait + 30) as resp:
        return json.load(resp)


def sync(base, path, follow):
    db = open_db(path)
    since = position(db)
    if since is None:
        since = start_from_export(db, base)
    while True:
        try:
            page = read_page(base, since, 25 if follow else 0)
        except urllib.error.HTTPError as e:
            if e.code == 410:
                # Behind the server's retention: start again from a fresh export.
                since = start_from_export(db, base)
                continue
            raise
        with db:
            for change in page["items"]:
                if change["op"] == "delete" or change["resource"] is None:
                    db.execute("DELETE FROM offers WHERE id = ?", (change["id"],))
                else:
                    db.execute(
                        "INSERT INTO offers (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                        (change["id"], canonical(change["resource"])),
                    )
            save_position(db, page["next"])
        caught_up = page["next"] == since and not page["items"]
        since = page["next"]
        if caught_up and not follow:
            return


def dump(path):
    db = open_db(path)
    for (body,) in db.execute("SELECT body FROM offers ORDER BY id"):
        print(body)


def key(secret):
    """The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return secret.encode()


def signature_holds(secret, msg_id, timestamp, body, header):
    """Whether any `v1,` signature in the `webhook-signature` header is this secret's."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key(secret), signed, hashlib.sha256).digest()).decode()
    for part in header.split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sync", help="bring the copy up to date")
    s.add_argument("url")
    s.add_argument("db")
    s.add_argument("--follow", action="store_true", help="keep following the feed")
    d = sub.add_parser("dump", help="print the copy")
    d.add_argument("db")
    v = sub.add_parser("verify", help="check a webhook signature")
    v.add_argument("--secret", required=True)
    v.add_argument("--id", required=True)
    v.add_argument("--timestamp", required=True)
    v.add_argument("--signature", required=True)
    v.add_argument("--body-file", required=True)
    args = ap.parse_args()
    if args.command == "sync":
        sync(args.url.rstrip("/"), args.db, args.follow)
    elif args.command == "dump":
        dump(args.db)
    else:
        with open(args.body_file, "rb") as f:
            body = f.read()
        ok = signature_holds(args.secret, args.id, args.timestamp, body, args.signature)
        print("valid" if ok else "invalid")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
