#!/usr/bin/env python3
"""Query warden's JSON-lines output in tests.

  events.py FILE validate              every line must be one valid JSON object
  events.py FILE count [K=V ...]       number of events matching all K=V
  events.py FILE get FIELD [K=V ...]   FIELD of the first match, as JSON
  events.py FILE schema SCHEMA.json    every line valid JSON and valid
                                       against the $defs entry of its type

K is a top-level key; V matches the value's str() (or JSON for lists).
Exit status 1 when validation fails or `get` finds nothing.
"""
import json
import os
import sys


def load(path, strict):
    events = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                text = raw.decode("utf-8")
                obj = json.loads(text)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
                events.append(obj)
            except Exception as e:  # noqa: BLE001 - report any defect
                if strict:
                    print(f"{path}:{n}: invalid JSON line: {e}: {raw[:200]!r}")
                    sys.exit(1)
    return events


def as_text(v):
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def matches(ev, conds):
    for c in conds:
        k, _, v = c.partition("=")
        if k not in ev or as_text(ev[k]) != v:
            return False
    return True


def check_schema(path, schema_path):
    """Every event against docs/events.schema.json: a drift between the
    daemon and the schema (a new field, a changed type) fails here."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from validate_schema import check
    schema = json.load(open(schema_path))
    bad = 0
    for n, ev in enumerate(load(path, True), 1):
        sub = schema["$defs"].get(ev.get("type"))
        errs = []
        if sub is None:
            errs = [f"$.type: {ev.get('type')!r} is not an event type of the schema"]
        else:
            check(schema, sub, ev, "$", errs)
        for e in errs[:5]:
            print(f"{path}:{n}: {e}")
        bad += bool(errs)
    if bad:
        sys.exit(1)


def main():
    path, cmd, *rest = sys.argv[1:]
    if cmd == "schema":
        check_schema(path, rest[0])
        return
    events = load(path, cmd == "validate")
    if cmd == "validate":
        print(len(events))
    elif cmd == "count":
        print(sum(1 for e in events if matches(e, rest)))
    elif cmd == "get":
        field, conds = rest[0], rest[1:]
        for e in events:
            if matches(e, conds):
                print(json.dumps(e.get(field)))
                return
        sys.exit(1)


if __name__ == "__main__":
    main()
