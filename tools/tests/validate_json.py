#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate shadowctl's JSON documents against their JSON Schemas.

Usage: validate_json.py [--every-schema] SCHEMA_DIR FILE...

Each FILE holds one document; its "schema" key, "shadowslab-NAME/N", names
the schema SCHEMA_DIR/shadowslab-NAME-N.json.  Schemas may refer to each
other by file name ("$ref": "shadowslab-trace-1.json"); a schema that
describes no whole document (no "schema" property: the environment, a
ratio) is only referred to.  Every schema is first checked against the JSON
Schema meta-schema.  With --every-schema, it is also an error if some
document schema in SCHEMA_DIR validated no FILE.

Exit status: 0 if every document is valid, 1 if one is not, 2 on a usage
error.  Needs python3-jsonschema (Debian's, 4.10 or later).
"""
import json
import pathlib
import sys
import warnings

import jsonschema


def load_schemas(directory):
    schemas = {}
    for path in sorted(directory.glob("shadowslab-*.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[path.name] = schema
    return schemas


def validator_for(name, schemas):
    schema = schemas[name]
    store = {s["$id"]: s for s in schemas.values()}
    with warnings.catch_warnings():
        # RefResolver is deprecated from jsonschema 4.18, and all Debian
        # bookworm's 4.10 has.
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def main(argv):
    every = "--every-schema" in argv
    args = [a for a in argv if a != "--every-schema"]
    if len(args) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = load_schemas(pathlib.Path(args[0]))
    used = set()
    failures = 0
    for file in args[1:]:
        document = json.loads(pathlib.Path(file).read_text())
        tag = document.get("schema") if isinstance(document, dict) else None
        if not isinstance(tag, str) or not tag.startswith("shadowslab-") or "/" not in tag:
            print(f"{file}: no \"schema\": \"shadowslab-NAME/N\" key")
            failures += 1
            continue
        name = tag.replace("/", "-") + ".json"
        if name not in schemas:
            print(f"{file}: schema {tag}: no {name} in {args[0]}")
            failures += 1
            continue
        used.add(name)
        errors = sorted(validator_for(name, schemas).iter_errors(document), key=lambda e: list(e.path))
        for error in errors[:10]:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            print(f"{file}: {tag}: at {where}: {error.message}")
        if errors:
            failures += 1
        else:
            print(f"{file}: valid {tag}")
    if every:
        documents = {n for n, s in schemas.items() if "schema" in s.get("properties", {})}
        for name in sorted(documents - used):
            print(f"{name}: no document was checked against it")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
