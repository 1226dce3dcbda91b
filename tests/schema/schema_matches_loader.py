"""`graphrun schema` describes the files the loader reads, no more and no less:
- every graph under graphs/ and tests/ that `graphrun check` accepts validates against it;
- every graph under graphs/invalid/ rejected for a structural reason (a missing or unknown
  key, a value of the wrong type, an unknown op or choice) is rejected by it too.
Run by ctest: schema_matches_loader.py GRAPHRUN SOURCE_DIR."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import jsonschema
import yaml

# The loader reads YAML 1.2 (yaml-cpp): 1e-5 is a number, as it is for editors; PyYAML's
# YAML 1.1 would make it a string.
FLOAT_1_2 = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


class Yaml12Loader(yaml.SafeLoader):
    pass


Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_1_2, list("-+0123456789."))
for first, resolvers in list(Yaml12Loader.yaml_implicit_resolvers.items()):
    # YAML 1.2 booleans are true/false only (yes/no/on/off are strings to yaml-cpp's maps).
    Yaml12Loader.yaml_implicit_resolvers[first] = [
        (tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))

# Problems a schema can state: the shape of the file, not what its values mean together.
STRUCTURAL = [
    r"missing required key", r"unknown key", r"unknown top-level key", r"must be a map", r"must be a list",
    r"is 'gaussian': expected one of", r"expected one of", r"unknown op '", r"unknown dtype",
    r"missing 'op'", r"node without 'id'", r"must be an integer, got", r"must be a number, got",
    r"must be true or false", r"must be a string, got", r"needs a shape", r"shape must be a list",
    r"unsupported format", r"'format' must be", r"a graph file is a map with keys", r"missing required attribute",
    r"unknown attribute '", r"shape entries must be integers", r"a shape of \d+ axes", r"attribute 'shape' has \d+ axes",
    r"'op' must be a string", r"param '\w+' must be a number or a string",
]


def load(path: pathlib.Path):
    with open(path) as f:
        return yaml.load(f, Loader=Yaml12Loader)


def main() -> int:
    exe, source = sys.argv[1], pathlib.Path(sys.argv[2])
    schema = json.loads(subprocess.run([exe, "schema"], capture_output=True, text=True, check=True).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    failures = []

    valid_checked = 0
    for path in sorted([*source.glob("graphs/**/*.yaml"), *source.glob("tests/**/*.yaml")]):
        if "invalid" in path.parts or "regressions" in path.parts:
            continue
        text = path.read_text(errors="replace")
        if re.search(r"^plugins:\s*\[?\s*[^\]\s]", text, re.M):
            continue  # ops of other plugins: the built-in schema does not know them
        if subprocess.run([exe, "check", str(path)], capture_output=True).returncode != 0:
            continue  # a fragment or a graph that needs a test plugin
        valid_checked += 1
        errors = sorted(validator.iter_errors(load(path)), key=lambda e: list(e.path))
        if errors:
            failures.append(f"{path.relative_to(source)} runs but the schema rejects it: "
                            f"{'/'.join(map(str, errors[0].path))}: {errors[0].message[:200]}")

    structural_checked = 0
    for path in sorted((source / "graphs" / "invalid").glob("*.yaml")):
        first = path.read_text(errors="replace").splitlines()[0]
        if not any(re.search(p, first) for p in STRUCTURAL):
            continue
        try:
            document = load(path)
        except yaml.YAMLError:
            continue  # not YAML at all: no schema applies
        structural_checked += 1
        if validator.is_valid(document):
            failures.append(f"{path.relative_to(source)} is invalid ({first[2:120]}) but the schema accepts it")

    print(f"{valid_checked} runnable graphs validate; {structural_checked} structurally invalid graphs are rejected")
    if valid_checked < 40 or structural_checked < 15:
        failures.append(f"too few files checked ({valid_checked} valid, {structural_checked} structural)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
