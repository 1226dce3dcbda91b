#!/usr/bin/env python3
"""Seed corpora and libFuzzer dictionaries of the fuzz harnesses, made from the repository's
own files so they follow the code: OUT/seeds/<harness>/ and OUT/<harness>.dict.

  loader  graphs/**/*.yaml and tests/**/*.yaml (with a "#set param=2" line too when the file has
          params); dictionary: graph-file keys, YAML syntax, and
          every identifier-like string of plugins/ (op, port, attribute and choice names)
  expr    formulas of `expr` and `rhs` attributes in those files, of tests/data/expr/*.txt and
          of string literals in tests/expr/*.cpp; dictionary: engine/expr/functions.cpp's names
  npy     tests/**/*.npy and graphs/**/*.npy
  csv     tests/**/*.csv and graphs/**/*.csv, plus a few written here
  npz     tests/**/*.npz and graphs/**/*.npz
  wav     tests/**/*.wav and graphs/**/*.wav

Every harness also gets its saved regressions (tests/fuzz/regressions/<harness>/) as seeds,
except those listed in regressions/PENDING (their fix has not landed: they would stop the run
before it starts). Usage: make_corpus.py REPO_ROOT OUT_DIR
"""
import re
import shutil
import sys
from pathlib import Path

SEED_MAX_BYTES = 64 * 1024


def pending_names(regressions: Path) -> set:
    names = set()
    pending = regressions / "PENDING"
    if pending.exists():
        for line in pending.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                names.add(line.split()[0])
    return names


def repo_files(root: Path, pattern: str):
    for top in ("graphs", "tests"):
        for path in sorted((root / top).rglob(pattern)):
            inside_fuzz = path.relative_to(root).parts[:2] == ("tests", "fuzz")  # added separately
            if path.is_file() and path.stat().st_size <= SEED_MAX_BYTES and not inside_fuzz:
                yield path


def formulas_of_yaml(text: str):
    """The formulas of `expr: ...` and `rhs: {state: ...}` (inline or as a block)."""
    scalar = r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^,}\n#]+)'
    for m in re.finditer(r"\bexpr:\s*(?:" + scalar + ")", text):
        yield next(g for g in m.groups() if g is not None).strip()
    for m in re.finditer(r"\brhs:\s*\{([^}]*)\}", text):
        for v in re.finditer(r"\w+:\s*(?:" + scalar + ")", m.group(1)):
            yield next(g for g in v.groups() if g is not None).strip()
    for m in re.finditer(r"\brhs:[ \t]*\n((?:[ \t]+\w+:.*\n)+)", text):
        for line in m.group(1).splitlines():
            v = re.match(r"\s*\w+:\s*(?:" + scalar + ")", line)
            if v:
                yield next(g for g in v.groups() if g is not None).strip()


def c_string_literals(text: str):
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        raw = m.group(1)
        try:
            yield raw.encode("latin1").decode("unicode_escape").encode("latin1")
        except (UnicodeError, ValueError):
            yield raw.encode()


def dict_entry(token: bytes) -> str:
    out = []
    for b in token:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\x%02X" % b)
    return '"' + "".join(out) + '"'


class Corpus:
    def __init__(self, out: Path, harness: str):
        self.dir = out / "seeds" / harness
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.count = 0
        self.seen = set()

    def add(self, data: bytes):
        if data in self.seen or len(data) > SEED_MAX_BYTES:
            return
        self.seen.add(data)
        (self.dir / f"seed_{self.count:05d}").write_bytes(data)
        self.count += 1


def write_dict(out: Path, harness: str, tokens):
    entries = sorted({dict_entry(t if isinstance(t, bytes) else t.encode()) for t in tokens if t})
    (out / f"{harness}.dict").write_text("".join(f"{e}\n" for e in entries))
    return len(entries)


def main(root: Path, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    regressions = root / "tests" / "fuzz" / "regressions"
    pending = pending_names(regressions)
    corpora = {h: Corpus(out, h) for h in ("loader", "expr", "npy", "csv", "npz", "wav")}
    for harness, corpus in corpora.items():
        for path in sorted((regressions / harness).glob("*")):
            if f"{harness}/{path.name}" not in pending:
                corpus.add(path.read_bytes())

    yaml_files = list(repo_files(root, "*.yaml"))
    for path in yaml_files:
        text = path.read_bytes()
        corpora["loader"].add(text)
        param = re.search(rb"^params:\s*(?:\{\s*|\n\s+)(\w+):", text, re.M)
        if param:  # the harness passes leading "#set name=value" lines as --set
            corpora["loader"].add(b"#set " + param.group(1) + b"=2\n" + text)
        found = [f for f in formulas_of_yaml(text.decode("utf-8", "replace")) if f]
        for f in found:
            corpora["expr"].add(f.encode())
        if len(found) > 1:  # a multi-output program, as an ode with several states compiles
            corpora["expr"].add("\n".join(found[:4]).encode())
    for manifest in sorted((root / "tests" / "data" / "expr").glob("*.txt")):
        for line in manifest.read_text().splitlines():
            if line and not line.startswith("#") and "\t" in line:
                corpora["expr"].add(line.split("\t", 1)[1].encode())
    for source in sorted((root / "tests" / "expr").glob("*.cpp")):
        for literal in c_string_literals(source.read_text()):
            if literal and len(literal) < 512:
                corpora["expr"].add(literal)
    for path in repo_files(root, "*.npy"):
        corpora["npy"].add(path.read_bytes())
    for path in repo_files(root, "*.csv"):
        corpora["csv"].add(path.read_bytes())
    for harness in ("npz", "wav"):
        for path in repo_files(root, "*." + harness):
            corpora[harness].add(path.read_bytes())
    for text in ("1,2,3\n", "1\n2\n3\n", "# header\n1.5, -2e-3\r\n+inf,nan\n", "1e400,-1e-400,4.9e-324\n",
                 "-0.0,0.1,3.4028235e38,3.5e38\n", "", "\n\n#\n", "1,\n", ",1\n", "1,2\n3\n", "0x1p3,1e\n",
                 "# shape: 2,1,2\n1,2\n3,4\n", ",a,b\n0,1,2\n"):
        corpora["csv"].add(text.encode())

    graph_keys = ["format", "graph", "doc", "dtype", "params", "inputs", "plugins", "nodes", "outputs",
                  "id", "op", "in", "shape", "shard", "file", "f32", "f64", "subgraph", "#set "]
    yaml_syntax = ["- ", ": ", "{", "}", "[", "]", ", ", "&a ", "*a", "<<: ", "!!str ", "!!int ", "!!map",
                   "!!seq", "!", "|\n", ">\n", "---\n", "...\n", "? ", "~", "null", "true", "false", ".inf",
                   "-.inf", ".nan", "'", '"', "#", "\n  - ", "\n    ", "$", "${", "}", "1e30", "-1", "0",
                   "9223372036854775807", "-9223372036854775808", "1e-320", "0x10", "1.5"]
    plugin_words = set()
    for source in sorted((root / "plugins").rglob("*.cpp")):
        for literal in c_string_literals(source.read_text()):
            if re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_]{0,23}", literal):
                plugin_words.add(literal)
    functions = re.findall(r'\{"(\w+)", \d, OpCode', (root / "engine" / "expr" / "functions.cpp").read_text())
    sizes = {
        "loader": write_dict(out, "loader", graph_keys + yaml_syntax + sorted(plugin_words)),
        "expr": write_dict(out, "expr", functions + ["+", "-", "*", "/", "^", "(", ")", ",", "lambda", "delta",
                                                     "eps", "big", "1e308", "1e-320", "0.5", "2", "-1", "e+",
                                                     "nan", "inf", "\n"]),
        "npy": write_dict(out, "npy", [b"\x93NUMPY", b"\x01\x00", b"\x02\x00", b"\x03\x00", "{'descr': ",
                                       "'<f8'", "'<f4'", "'>f8'", "'<f2'", "'|b1'", "'?'", "'<i8'", "'>i2'",
                                       "'<u4'", "'|u1'", "'<c16'", "'O'", "'<U3'", "'<M8[s]'", "[('a', '<f4')]",
                                       "'fortran_order': ", "True", "False", "None", "'shape': ", "()", "(0,)",
                                       "(1, 2)", "(2, 3, 4)", "L", ", }", "\n"]),
        "csv": write_dict(out, "csv", [",", "\n", "\r\n", "#", " ", "nan", "inf", "-inf", "+", "-", "1e308",
                                       "1e-320", "-0", "0x1p3", ".", "e", "E+", "3.4028235e38",
                                       "# shape: ", "# shape: 2,3,4\n"]),
        "npz": write_dict(out, "npz", [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"x.npy",
                                       b"\x93NUMPY", "'<f8'", "'shape': ", "(2, 3)"]),
        "wav": write_dict(out, "wav", [b"RIFF", b"WAVE", b"fmt ", b"data", b"RF64", b"ds64", b"fact", b"PEAK",
                                       b"\x01\x00", b"\x03\x00", b"\xfe\xff", b"\x40\x1f\x00\x00"]),
    }
    for harness, corpus in corpora.items():
        print(f"{harness}: {corpus.count} seeds, {sizes[harness]} dictionary entries")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))
