#!/usr/bin/python3
"""Reference data for tensor files (engine/io), the `read` op and the source ops.

Writes, with numpy (Debian's /usr/bin/python3, numpy 1.24):
  tests/data/io/npy/            .npy files of every supported dtype, byte order, memory order
                                and format version, each with <name>.expected.npy (the same
                                values as C-order float64), listed in tests/data/io/npy_cases.txt
  tests/data/io/refused/        .npy files of dtypes graphrun must refuse (complex, object, ...)
  tests/data/io/written/        np.save output that write_tensor must reproduce byte for byte
  tests/data/io/format_f64.txt  "<hex bits> <repr(float)>" pairs for format_number(double)
  tests/data/io/format_f32.txt  "<hex bits> <repr(np.float32)>" pairs for format_number(float)
  tests/cases/{src_*,read_*}/   inputs and expected/*.npy of the graph cases (graph.yaml is
                                written by hand)

Deterministic: fixed seeds only. Run from anywhere: /usr/bin/python3 tools/ref_sources.py
"""
import math
import os
import struct

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IO_DATA = os.path.join(ROOT, "tests", "data", "io")
CASES = os.path.join(ROOT, "tests", "cases")


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def save_array(path, array, version=None):
    """Writes with numpy's own writer (np.save for the default format version)."""
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=True)


# ---------------------------------------------------------------------------------------------
# .npy files numpy writes, that read_tensor must read.

def base_values(kind, n):
    """Small exact values (every dtype represents them) so that conversions are exact."""
    i = np.arange(n)
    if kind == "float":
        return (i - 5) * 0.5
    if kind == "int":
        return i - 5
    if kind == "uint":
        return i * 3
    if kind == "bool":
        return i % 3 == 0
    raise ValueError(kind)


def npy_cases():
    """(file name, array, format version) for every readable layout."""
    def make(descr, shape, order="C", kind=None):
        dtype = np.dtype(descr)
        kind = kind or {"f": "float", "i": "int", "u": "uint", "b": "bool"}[dtype.kind]
        n = int(np.prod(shape)) if shape else 1
        a = base_values(kind, n).astype(dtype).reshape(shape)
        return np.asfortranarray(a) if order == "F" else a

    half_special = np.array([0.0, -0.0, 1.0, -2.0, 65504.0, 2.0 ** -14, 2.0 ** -24, 3 * 2.0 ** -24,
                             np.inf, -np.inf, np.nan], dtype="<f2")
    i8_extremes = np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max,
                            2 ** 53 + 1, -(2 ** 53) - 1], dtype="<i8")
    u8_extremes = np.array([0, 1, np.iinfo(np.uint64).max, 2 ** 63, 2 ** 53 + 1], dtype="<u8")
    f8_values = np.array([0.1, -1e300, 5e-324, np.inf, -np.inf, np.nan, -0.0], dtype="<f8")
    yield "f2_c_2x3.npy", make("<f2", (2, 3)), None
    yield "f2_special.npy", half_special, None
    yield "f2_big_endian.npy", make(">f2", (4,)), None
    yield "f4_c_3.npy", make("<f4", (3,)), None
    yield "f4_big_endian_2x2.npy", make(">f4", (2, 2)), None
    yield "f4_fortran_3x4.npy", make("<f4", (3, 4), "F"), None
    yield "f8_c_2x3x4.npy", make("<f8", (2, 3, 4)), None
    yield "f8_big_endian_5.npy", make(">f8", (5,)), None
    yield "f8_fortran_2x3x4.npy", make("<f8", (2, 3, 4), "F"), None
    yield "f8_big_endian_fortran_3x2.npy", make(">f8", (3, 2), "F"), None
    yield "f8_values.npy", f8_values, None
    yield "f8_scalar.npy", np.array(2.5, dtype="<f8"), None
    yield "f8_empty_0.npy", np.zeros((0,), dtype="<f8"), None
    yield "f4_empty_0x3.npy", np.zeros((0, 3), dtype="<f4"), None
    yield "f8_fortran_empty_3x0.npy", np.asfortranarray(np.zeros((3, 0), dtype="<f8")), None
    yield "f8_rank8.npy", make("<f8", (1, 2, 1, 2, 1, 2, 1, 2)), None
    yield "i1_4.npy", make("|i1", (4,)), None
    yield "i2_big_endian_3.npy", make(">i2", (3,)), None
    yield "i4_2x3.npy", make("<i4", (2, 3)), None
    yield "i4_scalar.npy", np.array(-7, dtype="<i4"), None
    yield "i8_fortran_2x3.npy", make("<i8", (2, 3), "F"), None
    yield "i8_extremes.npy", i8_extremes, None
    yield "u1_5.npy", make("|u1", (5,)), None
    yield "u2_5.npy", make("<u2", (5,)), None
    yield "u4_big_endian_5.npy", make(">u4", (5,)), None
    yield "u8_5.npy", make("<u8", (5,)), None
    yield "u8_extremes.npy", u8_extremes, None
    yield "b1_6.npy", make("|b1", (6,)), None
    yield "b1_fortran_2x3.npy", make("|b1", (2, 3), "F"), None
    yield "f8_version2_2x2.npy", make("<f8", (2, 2)), (2, 0)
    yield "f4_version3_3.npy", make("<f4", (3,)), (3, 0)
    yield "f8_version3_fortran_2x3.npy", make("<f8", (2, 3), "F"), (3, 0)


def write_npy_cases():
    folder = ensure_dir(os.path.join(IO_DATA, "npy"))
    lines = ["# file  shape (C order)  -- each file has <file>.expected.npy: its values as C-order <f8",
             "# written by tools/ref_sources.py"]
    for name, array, version in npy_cases():
        save_array(os.path.join(folder, name), array, version)
        expected = np.ascontiguousarray(array.astype("<f8"))
        save_array(os.path.join(folder, name[:-4] + ".expected.npy"), expected)
        shape = "x".join(str(d) for d in array.shape) or "scalar"
        lines.append(f"{name} {shape}")
    with open(os.path.join(IO_DATA, "npy_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_refused_cases():
    """dtypes with no float meaning: read_tensor must refuse them with a clear message."""
    folder = ensure_dir(os.path.join(IO_DATA, "refused"))
    save_array(os.path.join(folder, "complex128.npy"), np.array([1 + 2j, 3 - 1j], dtype="<c16"))
    save_array(os.path.join(folder, "complex64.npy"), np.array([1 + 2j], dtype="<c8"))
    save_array(os.path.join(folder, "object.npy"), np.array([1, "a", None], dtype=object))
    save_array(os.path.join(folder, "unicode.npy"), np.array(["ab", "c"], dtype="<U2"))
    save_array(os.path.join(folder, "bytes.npy"), np.array([b"ab"], dtype="|S2"))
    save_array(os.path.join(folder, "structured.npy"),
               np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    save_array(os.path.join(folder, "datetime.npy"), np.array(["2024-01-01"], dtype="<M8[D]"))
    save_array(os.path.join(folder, "longdouble.npy"), np.array([1.0], dtype=np.longdouble))
    save_array(os.path.join(folder, "rank9.npy"), np.zeros((1,) * 9))


def write_written_cases():
    """np.save of arrays whose values are base_values("float", n): write_tensor of the same
    values must give the same bytes."""
    folder = ensure_dir(os.path.join(IO_DATA, "written"))
    for name, dtype, shape in (("f8_2x3.npy", "<f8", (2, 3)), ("f4_3.npy", "<f4", (3,)),
                               ("f8_scalar.npy", "<f8", ()), ("f4_empty_0.npy", "<f4", (0,)),
                               ("f8_rank8.npy", "<f8", (2, 1, 2, 1, 2, 1, 2, 1))):
        n = int(np.prod(shape)) if shape else 1
        np.save(os.path.join(folder, name), base_values("float", n).astype(dtype).reshape(shape))


# ---------------------------------------------------------------------------------------------
# format_number references: Python's repr(float) and numpy's repr(np.float32).

def f64_values():
    rng = np.random.default_rng(20240601)
    fixed = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 2.5, 100.0, 1e16, 1e15, 9999999999999998.0,
             123456789012345.0, 1234567890123456.0, 12345678901234567.0, 0.0001, 0.00011, 1e-05,
             9.999999999999999e-05, 0.000999, 3.769752428099801e+217, 5e-324, 2.2250738585072014e-308,
             1.7976931348623157e+308, 1e22, 1e23, 1e100, 1e-100, 1 / 3, 2 / 3, math.pi, -math.e,
             4.35, 0.3, 1e-7, 123.456, -9.5e-5, float("inf"), float("-inf"), float("nan"),
             2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63, 2.0 ** 64, 1e-4 * (1 - 2 ** -52)]
    # Any bit pattern (every exponent), and values around the layout switch (1e-5 .. 1e17).
    bits = rng.integers(0, 2 ** 63, size=150, dtype=np.int64).view(np.float64)
    switch = (rng.random(150) * 10.0) * 10.0 ** rng.integers(-7, 18, size=150)
    integral = np.floor(rng.random(20) * 10.0 ** rng.integers(1, 17, size=20))
    values = fixed + [float(v) for v in bits if np.isfinite(v)] + [float(v) for v in switch]
    values += [-float(v) for v in switch[:30]] + [float(v) for v in integral]
    return values


def f32_values():
    rng = np.random.default_rng(20240602)
    fixed = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1e-4, 1e-5, 1e16, 1e15, 9.999e15, 123456789.0,
             16777216.0, 16777217.0, 3.4028234663852886e+38, 1.1754943508222875e-38, 1e-45,
             1.401298464324817e-45, 0.00025, 100.0, math.pi, -math.e, 1 / 3, 65504.0, 1e-3,
             float("inf"), float("-inf"), float("nan")]
    bits = rng.integers(0, 2 ** 31, size=150, dtype=np.int64).astype(np.uint32).view(np.float32)
    switch = ((rng.random(150) * 10.0) * 10.0 ** rng.integers(-7, 18, size=150)).astype(np.float32)
    values = np.array(fixed, dtype=np.float32).tolist() + [float(v) for v in bits if np.isfinite(v)]
    values += [float(v) for v in switch] + [-float(v) for v in switch[:30]]
    # float32 neighbours of the 1e-4 and 1e16 layout switches.
    for edge in (1e-4, 1e16):
        e = np.float32(edge)
        values += [float(np.nextafter(e, np.float32(0))), float(e), float(np.nextafter(e, np.float32(np.inf)))]
    return values


def write_format_references():
    with open(os.path.join(IO_DATA, "format_f64.txt"), "w") as f:
        f.write("# <bits of a float64, hex> <repr(float)>  -- tools/ref_sources.py\n")
        for v in f64_values():
            f.write("%016x %s\n" % (struct.unpack("<Q", struct.pack("<d", v))[0], repr(v)))
    with open(os.path.join(IO_DATA, "format_f32.txt"), "w") as f:
        f.write("# <bits of a float32, hex> <repr(np.float32)>  -- tools/ref_sources.py\n")
        for v in f32_values():
            x = np.float32(v)
            f.write("%08x %s\n" % (int(np.array(x).view(np.uint32)), repr(x)))


# ---------------------------------------------------------------------------------------------
# Graph cases of the source ops.

def case_dir(name):
    return ensure_dir(os.path.join(CASES, name, "expected"))


def write_expected(case, outputs, dtype):
    folder = case_dir(case)
    for name, value in outputs.items():
        np.save(os.path.join(folder, name + ".npy"), np.asarray(value, dtype=np.float64).astype(dtype))


def constant_outputs():
    return {
        "s": np.array(2.5),
        "i": np.array(7.0),
        "tenth": np.array(0.1),
        "nested": np.array([[1, 2.5, -3], [4, 5, 6.25]]),
        "deep": np.array([[[0.1, 0.2]], [[0.3, 0.4]], [[1e-30, 1e30]]]),
        "empty": np.zeros((0,)),
        "filled": np.full((2, 3), 0.5),
        "broadcast": np.broadcast_to(np.array([1.0, 2.0, 3.0]), (4, 3)),
        "column": np.broadcast_to(np.array([[1.5], [-2.0]]), (3, 2, 4)),
    }


def linspace_outputs():
    return {
        "unit": np.linspace(0, 1, 11),
        "open": np.linspace(0, 1, 10, endpoint=False),
        "one": np.linspace(3, 7, 1),
        "one_open": np.linspace(3, 7, 1, endpoint=False),
        "none": np.linspace(0, 1, 0),
        "down": np.linspace(5, -2, 8),
        "tenths": np.linspace(0.1, 0.7, 7),
        "long": np.linspace(-1.25, 3.5, 1001),
        "tiny": np.linspace(0.0, 1e-323, 5),  # step underflows to 0
    }


def arange_outputs():
    return {
        "count": np.arange(5.0),
        "tenths": np.arange(0.1, 2.0, 0.2),
        "around0": np.arange(-1.0, 1.0, 0.1),
        "down": np.arange(10.0, 0.0, -1.5),
        "empty": np.arange(5.0, 0.0, 1.0),
        "frac": np.arange(0.0, 1.0, 1.0 / 3.0),
        "long": np.arange(-3.0, 7.0, 0.01),
    }


def philox4x32_10(counter, key):
    """Random123's philox4x32_R(10) over arrays of counters: counter is 4 uint32 arrays,
    key two Python ints. Written from the algorithm (numpy's Philox is 4x64 with another
    counter layout)."""
    m0, m1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint32) for c in counter)
    k0, k1 = key
    for r in range(10):
        if r > 0:
            k0 = (k0 + 0x9E3779B9) & 0xFFFFFFFF
            k1 = (k1 + 0xBB67AE85) & 0xFFFFFFFF
        p0 = m0 * c0.astype(np.uint64)
        p1 = m1 * c2.astype(np.uint64)
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)).astype(np.uint32) ^ c1 ^ np.uint32(k0),
                          p1.astype(np.uint32),
                          (p0 >> np.uint64(32)).astype(np.uint32) ^ c3 ^ np.uint32(k1),
                          p0.astype(np.uint32))
    return c0, c1, c2, c3


def check_philox_known_answers():
    """Random123 tests/kat_vectors, "philox4x32 10" lines."""
    kat = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for counter, key, want in kat:
        got = philox4x32_10([np.array([c], dtype=np.uint32) for c in counter], key)
        assert tuple(int(w[0]) for w in got) == want, (counter, got)


def random_reference(shape, dist, seed, dtype, mean=0.0, std=1.0, low=0.0, high=1.0):
    """The `random` op's documented mapping (plugins/core/random.cpp)."""
    n = int(np.prod(shape))
    index = np.arange(n, dtype=np.uint64)
    seed &= 0xFFFFFFFFFFFFFFFF
    zeros = np.zeros(n, dtype=np.uint32)
    r0, r1, r2, r3 = philox4x32_10(
        ((index & np.uint64(0xFFFFFFFF)).astype(np.uint32), (index >> np.uint64(32)).astype(np.uint32),
         zeros, zeros), (seed & 0xFFFFFFFF, seed >> 32))

    def unit53(hi, lo):
        return ((hi.astype(np.uint64) << np.uint64(32) | lo.astype(np.uint64)) >> np.uint64(11)).astype(
            np.float64) * 2.0 ** -53

    if dist == "normal":
        u1, u2 = unit53(r0, r1), unit53(r2, r3)
        # math.* (the C library's log/cos/sqrt), element by element: the mapping of
        # plugins/core/random_value.h; the CPU kernel's SIMD log and cos (stream version 2) and
        # CUDA's agree with it to the last bits, within the cases' tolerance.
        two_pi = 6.283185307179586
        z = np.array([math.sqrt(-2.0 * math.log(1.0 - a)) * math.cos(two_pi * b) for a, b in zip(u1, u2)])
        values = mean + std * z
    elif dtype == np.float64:
        values = low + (high - low) * unit53(r0, r1)
    else:
        values = low + (high - low) * ((r0 >> np.uint32(8)).astype(np.float64) * 2.0 ** -24)
    return values.reshape(shape).astype(dtype)


def random_outputs(dtype):
    return {
        "uniform": random_reference((4, 250), "uniform", 0, dtype),
        "normal": random_reference((1000,), "normal", 42, dtype, mean=1.0, std=2.0),
        "ranged": random_reference((10, 10), "uniform", 2 ** 40 + 7, dtype, low=-3.0, high=5.0),
        "negative_seed": random_reference((2, 3, 5), "normal", -1, dtype),
        "scalar": random_reference((), "uniform", 123, dtype),
    }


def write_source_cases():
    for suffix, dtype in (("f64", np.float64), ("f32", np.float32)):
        write_expected("src_constant_" + suffix, constant_outputs(), dtype)
        write_expected("src_linspace_" + suffix, linspace_outputs(), dtype)
        write_expected("src_arange_" + suffix, arange_outputs(), dtype)
        outputs = random_outputs(dtype)
        folder = case_dir("src_random_" + suffix)
        for name, value in outputs.items():
            np.save(os.path.join(folder, name + ".npy"), value)


# ---------------------------------------------------------------------------------------------
# Graph cases of `read`.

def write_csv(path, rows, comment=True):
    with open(path, "w") as f:
        if comment:
            f.write("# written by tools/ref_sources.py\n")
        for row in np.atleast_2d(rows):
            f.write(", ".join(repr(float(v)) for v in row) + "\n")


def write_read_cases():
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((3, 5))
    ints = rng.integers(-100, 100, size=(2, 3, 4)).astype(np.int32)
    halves = rng.standard_normal(6).astype(np.float16)
    column = rng.random(7) * 1e5
    row = rng.random(4) - 0.5
    for suffix, dtype in (("f64", np.float64), ("f32", np.float32)):
        # .npy inputs of several dtypes, one in Fortran order.
        case = "read_npy_" + suffix
        folder = os.path.dirname(case_dir(case))
        np.save(os.path.join(folder, "matrix.npy"), matrix)
        np.save(os.path.join(folder, "matrix_f32.npy"), matrix.astype(np.float32))
        np.save(os.path.join(folder, "ints_fortran.npy"), np.asfortranarray(ints))
        np.save(os.path.join(folder, "halves.npy"), halves)
        write_expected(case, {"matrix": matrix, "matrix_f32": matrix.astype(np.float32),
                              "ints": ints, "halves": halves}, dtype)
        # .csv inputs: 2-D, one column, one row.
        case = "read_csv_" + suffix
        folder = os.path.dirname(case_dir(case))
        write_csv(os.path.join(folder, "matrix.csv"), matrix)
        write_csv(os.path.join(folder, "column.csv"), column.reshape(-1, 1), comment=False)
        write_csv(os.path.join(folder, "row.csv"), row.reshape(1, -1))
        write_expected(case, {"matrix": matrix, "column": column, "row": row}, dtype)


def main():
    check_philox_known_answers()
    write_npy_cases()
    write_refused_cases()
    write_written_cases()
    write_format_references()
    write_source_cases()
    write_read_cases()


if __name__ == "__main__":
    main()
