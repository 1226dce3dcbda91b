#!/usr/bin/python3
"""Reference files of the .npz, .wav and .csv formats (engine/io), written by numpy, scipy and
Python's zipfile, wave and aifc modules: what graphrun must read, and the files it must refuse.

Writes tests/data/io/formats/:
  savez.npz, savez_compressed.npz   np.savez / np.savez_compressed of x (2x3 <f8), y (5 <f4),
                                    k (2x2 <i4, Fortran order); <key>.expected.npy each: its
                                    values as C-order <f8
  single.npz                        np.savez of one unnamed array (key arr_0), 3 <f8
  with_text.npz                     x.npy and a member notes.txt (not .npy)
  empty.npz                         a zip without members
  truncated.npz                     savez.npz cut in the middle
  garbage.npz                       random bytes
  bad_member.npz                    a member x.npy whose .npy header is broken
  mono_pcm16.wav, stereo_pcm16.wav  Python's wave module: 16-bit PCM, 8000 Hz, 1 and 2 channels
  stereo_f32.wav                    scipy.io.wavfile: float32, 2 channels, 44100 Hz, values
                                    beyond [-1, 1] included
  <name>.expected.npy               the samples as (channels, frames) <f8 (PCM / 32768), or
                                    (frames,) for mono
  aiff.wav                          an AIFF file named .wav (refused: not WAV)
  garbage.wav                       random bytes
  savetxt_2x3x4.csv                 np.savetxt of a (2, 3, 4) array as 6 rows of 4 with
                                    header "shape: 2,3,4"; savetxt_2x3x4.expected.npy
  pandas_header.csv                 the layout pandas' DataFrame.to_csv writes: a header row with
                                    an unnamed index column; pandas_header.expected.npy

Deterministic values (fixed seeds); zip members carry the time of writing. Run from anywhere: /usr/bin/python3 tools/ref_formats.py
"""
import io
import os
import wave
import zipfile

import numpy as np
from scipy.io import wavfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "io", "formats")


def path(name):
    return os.path.join(OUT, name)


def expected(name, array):
    np.save(path(name + ".expected.npy"), np.ascontiguousarray(np.asarray(array, dtype="<f8")))


def write_npz_cases(rng):
    arrays = {"x": rng.standard_normal((2, 3)),
              "y": rng.standard_normal(5).astype("<f4"),
              "k": np.asfortranarray(rng.integers(-50, 50, size=(2, 2)).astype("<i4"))}
    np.savez(path("savez.npz"), **arrays)
    np.savez_compressed(path("savez_compressed.npz"), **arrays)
    for key, array in arrays.items():
        expected(key, array)
    single = rng.random(3)
    np.savez(path("single.npz"), single)
    expected("single", single)
    with zipfile.ZipFile(path("with_text.npz"), "w") as z:
        buffer = io.BytesIO()
        np.save(buffer, arrays["x"])
        z.writestr("x.npy", buffer.getvalue())
        z.writestr("notes.txt", "not an array\n")
    with zipfile.ZipFile(path("empty.npz"), "w"):
        pass
    whole = open(path("savez.npz"), "rb").read()
    open(path("truncated.npz"), "wb").write(whole[: len(whole) // 2])
    open(path("garbage.npz"), "wb").write(rng.integers(0, 256, size=300, dtype=np.uint8).tobytes())
    with zipfile.ZipFile(path("bad_member.npz"), "w") as z:
        z.writestr("x.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}   \n")


def pcm16(samples):
    return np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")


def write_wav_cases(rng):
    t = np.arange(400) / 8000.0
    mono = pcm16(0.8 * np.sin(2 * np.pi * 440 * t))
    with wave.open(path("mono_pcm16.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(mono.tobytes())
    expected("mono_pcm16", mono / 32768.0)
    stereo = np.stack([pcm16(0.5 * np.sin(2 * np.pi * 300 * t)), pcm16(rng.uniform(-1, 1, t.size))])
    with wave.open(path("stereo_pcm16.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(stereo.T.copy().tobytes())  # interleaved frames
    expected("stereo_pcm16", stereo / 32768.0)
    floats = rng.uniform(-1.5, 1.5, size=(2, 300)).astype("<f4")
    wavfile.write(path("stereo_f32.wav"), 44100, floats.T.copy())  # scipy: (frames, channels)
    expected("stereo_f32", floats)
    import aifc  # deprecated in Python 3.11 but present in Debian 12's 3.11

    with aifc.open(path("aiff.wav"), "wb") as a:
        a.setnchannels(1)
        a.setsampwidth(2)
        a.setframerate(8000)
        a.writeframes(mono.byteswap().tobytes())
    open(path("garbage.wav"), "wb").write(b"RIFF" + rng.integers(0, 256, size=200, dtype=np.uint8).tobytes())


def write_csv_cases(rng):
    cube = rng.standard_normal((2, 3, 4))
    np.savetxt(path("savetxt_2x3x4.csv"), cube.reshape(-1, 4), delimiter=",", header="shape: 2,3,4",
               fmt="%.17g")
    expected("savetxt_2x3x4", cube)
    table = rng.standard_normal((3, 2))
    with open(path("pandas_header.csv"), "w") as f:
        f.write(",time,value\n")
        for i, row in enumerate(table):
            f.write(f"{i}," + ",".join(repr(float(v)) for v in row) + "\n")
    expected("pandas_header", np.column_stack([np.arange(3), table]))


def main():
    os.makedirs(OUT, exist_ok=True)
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    rng = np.random.default_rng(20261201)
    write_npz_cases(rng)
    write_wav_cases(rng)
    write_csv_cases(rng)


if __name__ == "__main__":
    main()
