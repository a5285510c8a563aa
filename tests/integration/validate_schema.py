#!/usr/bin/env python3
"""Validate a JSON document against a JSON Schema, for the keywords
warden's schemas use: type, const, enum, required, properties,
additionalProperties (false), items, minItems, minimum, maximum, maxLength,
oneOf, $ref to #/$defs/NAME. Unknown keywords are an error, so the schema cannot
silently use one this checker ignores.

  validate_schema.py SCHEMA.json DOC.json
"""
import json
import sys

KNOWN = {"$schema", "$id", "title", "description", "$defs", "type", "const",
         "enum", "required", "properties", "additionalProperties", "items",
         "minItems", "minimum", "maximum", "maxLength", "oneOf", "$ref"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "null": type(None)}


def is_type(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])


def check(root, s, v, path, errs):
    unknown = set(s) - KNOWN
    if unknown:
        errs.append(f"{path}: schema uses unsupported keywords {unknown}")
    if "$ref" in s:
        name = s["$ref"].split("/")[-1]
        check(root, root["$defs"][name], v, path, errs)
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in ts):
            errs.append(f"{path}: {v!r} is not {ts}")
            return
    if "const" in s and v != s["const"]:
        errs.append(f"{path}: {v!r} != {s['const']!r}")
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {v!r} not in {s['enum']}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            errs.append(f"{path}: {v} < {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            errs.append(f"{path}: {v} > {s['maximum']}")
    if isinstance(v, str) and len(v) > s.get("maxLength", len(v)):
        errs.append(f"{path}: longer than {s['maxLength']} characters")
    if "oneOf" in s:
        ok = 0
        for sub in s["oneOf"]:
            e = []
            check(root, sub, v, path, e)
            ok += not e
        if ok != 1:
            errs.append(f"{path}: matches {ok} of oneOf, not 1")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append(f"{path}: missing {k}")
        props = s.get("properties", {})
        for k, sub in v.items():
            if k in props:
                check(root, props[k], sub, f"{path}.{k}", errs)
            elif s.get("additionalProperties") is False:
                errs.append(f"{path}: unexpected key {k}")
    if isinstance(v, list):
        if len(v) < s.get("minItems", 0):
            errs.append(f"{path}: fewer than {s['minItems']} items")
        if "items" in s:
            for i, item in enumerate(v):
                check(root, s["items"], item, f"{path}[{i}]", errs)


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    errs = []
    check(schema, schema, doc, "$", errs)
    for e in errs[:20]:
        print(e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
