// File formats on the command line: .npz in (FILE.npz:KEY) and out (-o FILE.npz, read back by
// numpy), .wav in (the layout the declared shape asks for) and out (--format wav), N-D CSV
// outputs with their shape recorded, and the usage errors of each. Reference files come
// from tools/ref_formats.py (tests/data/io/formats).
#include "support/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

const std::string kFormats = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io/formats/";
const char* kPython = "/usr/bin/python3";

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

/// A graph with one input `x` of `shape`, outputs y = x * 2 and z = x reshaped by `reshape`
/// (or x * 1 when empty).
std::string graph(const TempDir& dir, const std::string& dtype, const std::string& shape,
                  const std::string& params = "{}", const std::string& reshape = "") {
  std::string z = reshape.empty() ? "{id: z, op: scale, in: [x], a: 1, b: 0}"
                                  : "{id: z, op: reshape, in: [x], shape: " + reshape + "}";
  static int graphs = 0;  // each graph its own file: a test may use several at once
  return write_file(dir, "g" + std::to_string(++graphs) + ".yaml",
                    "format: 1\ngraph: f\ndtype: " + dtype + "\nparams: " + params + "\ninputs:\n  x: {shape: " +
                        shape + "}\nnodes:\n  - {id: y, op: scale, in: [x], a: 2, b: 0}\n  - " + z +
                        "\noutputs: [y, z]\n");
}

/// Runs a Python snippet (numpy as np, scipy's wavfile as wavfile); true when it exits 0.
bool python(const std::string& code) {
  std::string cmd = std::string(kPython) + " -c \"import numpy as np\nfrom scipy.io import wavfile\n" + code + "\"";
  return std::system(cmd.c_str()) == 0;
}

TEST(Formats, NpzInputsPickTheirMember) {
  TempDir dir;
  std::string g = graph(dir, "f64", "[-1, -1]");
  CommandResult r = run_graphrun({"run", g, "--input", "x=" + kFormats + "savez_compressed.npz:k"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("z: f64 (2, 2)"), std::string::npos) << r.out;
  CommandResult one = run_graphrun({"run", graph(dir, "f64", "[-1]"), "--input", "x=" + kFormats + "single.npz"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("z: f64 (3,)"), std::string::npos) << one.out;
}

TEST(Formats, BadNpzAndWavInputsAreUsageErrorsNamingTheFile) {
  TempDir dir;
  std::string g = graph(dir, "f64", "[-1, -1]");
  struct Case {
    std::string spec, wanted;
  };
  for (const Case& c : {Case{"savez.npz", "savez.npz: the archive holds 3 arrays (x, y, k); name one as"},
                        Case{"savez.npz:nope", "savez.npz: no array 'nope' in the archive (its keys: x, y, k)"},
                        Case{"truncated.npz:x", "truncated.npz: not a valid .npz (zip) archive"},
                        Case{"garbage.npz", "garbage.npz: not a valid .npz (zip) archive"},
                        Case{"with_text.npz:notes.txt", "with_text.npz:notes.txt: the member 'notes.txt' is not a .npy"},
                        Case{"empty.npz", "empty.npz: the archive holds no arrays"},
                        Case{"aiff.wav", "aiff.wav: is AIFF"},
                        Case{"garbage.wav", "garbage.wav: not a WAV file libsndfile can read"}}) {
    SCOPED_TRACE(c.spec);
    CommandResult r = run_graphrun({"run", g, "--input", "x=" + kFormats + c.spec});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--input x: " + kFormats + c.wanted), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
  CommandResult layout = run_graphrun({"run", graph(dir, "f64", "[2, 3, -1]"), "--input",
                                       "x=" + kFormats + "stereo_pcm16.wav"});
  EXPECT_EQ(layout.exit_code, 2);
  EXPECT_NE(layout.err.find("stereo_pcm16.wav has 2 channels of 400 frames, as (2, 400) or (400, 2); the graph "
                            "declares (2, 3, -1)"),
            std::string::npos)
      << layout.err;
}

TEST(Formats, NpzOutputLoadsInNumpyAsTheNpyFilesDo) {
  if (!fs::exists(kPython)) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir dir;
  for (const char* dtype : {"f64", "f32"}) {
    SCOPED_TRACE(dtype);
    std::string g = graph(dir, dtype, "[-1, -1]", "{}", "[1, 2, 3]");
    std::string input = "x=" + kFormats + "savez.npz:x";
    ASSERT_EQ(run_graphrun({"run", g, "--input", input, "-o", dir.path() + "/npy", "-q"}).exit_code, 0);
    CommandResult r = run_graphrun({"run", g, "--input", input, "-o", dir.path() + "/r.npz"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "wrote " + dir.path() + "/r.npz:y: " + dtype + " (2, 3)\nwrote " + dir.path() + "/r.npz:z: " +
                         dtype + " (1, 2, 3)\n");
    EXPECT_TRUE(python("d = np.load('" + dir.path() + "/r.npz')\nassert sorted(d.files) == ['y', 'z'], d.files\n"
                       "for k in d.files:\n"
                       "    a = np.load('" + dir.path() + "/npy/' + k + '.npy')\n"
                       "    assert d[k].dtype == a.dtype == np.dtype('" + (dtype == std::string("f64") ? "<f8" : "<f4") +
                       "') and d[k].shape == a.shape and d[k].tobytes() == a.tobytes(), k\n"
                       "x = np.load('" + kFormats + "x.expected.npy')\n"
                       "assert np.array_equal(d['z'], x.astype(d['z'].dtype).reshape(1, 2, 3))"));
  }
}

TEST(Formats, AFailedRunKeepsTheOldArchive) {
  if (!fs::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  std::string g = graph(dir, "f64", "[-1]");
  std::string input = "x=" + kFormats + "single.npz";
  ASSERT_EQ(run_graphrun({"run", g, "--input", input, "-o", dir.path() + "/r.npz", "-q"}).exit_code, 0);
  std::string old = read_text(dir.path() + "/r.npz");
  CommandResult r = run_graphrun({"run", g, "--input", "x=" + kFormats + "mono_pcm16.wav", "-o", dir.path() + "/r.npz",
                                  "--trace", "/dev/full"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no output file was replaced"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir.path() + "/r.npz"), old);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += e.path().extension() != ".yaml";
  EXPECT_EQ(entries, 1u) << "no temporary file left";
}

TEST(Formats, WavInTakesTheDeclaredLayoutAndWavOutRoundTripsInFloat32) {
  if (!fs::exists(kPython)) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir dir;
  const std::string wav = kFormats + "stereo_f32.wav";  // (2, 300) float32, 44100 Hz
  // (frames, channels) when the graph declares it; (channels, frames) when both would fit.
  CommandResult frames_first = run_graphrun({"run", graph(dir, "f32", "[-1, 2]"), "--input", "x=" + wav});
  ASSERT_EQ(frames_first.exit_code, 0) << frames_first.err;
  EXPECT_NE(frames_first.out.find("z: f32 (300, 2)"), std::string::npos) << frames_first.out;
  std::string g = graph(dir, "f32", "[-1, -1]");
  CommandResult r = run_graphrun({"run", g, "--input", "x=" + wav, "-o", dir.path() + "/w", "--format", "wav",
                                  "--wav-rate", "44100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + dir.path() + "/w/z.wav: f32 (2, 300), float32 WAV, 2 channels, 44100 Hz (--wav-rate)"),
            std::string::npos)
      << r.out;
  // Values beyond [-1, 1] are kept, and said.
  EXPECT_NE(r.err.find("warning: " + dir.path() + "/w/y.wav:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outside [-1, 1]"), std::string::npos) << r.err;
  EXPECT_TRUE(python("rate, z = wavfile.read('" + dir.path() + "/w/z.wav')\nassert rate == 44100 and z.dtype == np.float32\n"
                     "e = np.load('" + kFormats + "stereo_f32.expected.npy')\n"
                     "assert z.shape == (300, 2) and np.array_equal(z.T, e.astype(np.float32))\n"
                     "rate, y = wavfile.read('" + dir.path() + "/w/y.wav')\n"
                     "assert np.array_equal(y.T, 2 * e.astype(np.float32))"));
}

TEST(Formats, TheWavRateIsTheFlagThenTheParamFsThen48000) {
  TempDir dir;
  const std::string input = "x=" + kFormats + "mono_pcm16.wav";  // 8000 Hz
  struct Case {
    std::string params;
    std::vector<std::string> extra;
    std::string wanted;
  };
  for (const Case& c : {Case{"{fs: 8000}", {}, "8000 Hz (the param fs)"},
                        Case{"{fs: 8000}", {"--wav-rate", "16000"}, "16000 Hz (--wav-rate)"},
                        Case{"{}", {}, "48000 Hz (the default; --wav-rate HZ sets it)"}}) {
    SCOPED_TRACE(c.wanted);
    std::vector<std::string> args = {"run", graph(dir, "f64", "[-1]", c.params), "--input", input,
                                     "-o", dir.path() + "/w", "--format", "wav"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    CommandResult r = run_graphrun(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("1 channel, " + c.wanted), std::string::npos) << r.out;
  }
  // The graph computes at its own fs: a file of another rate is said, not applied.
  CommandResult other = run_graphrun({"run", graph(dir, "f64", "[-1]", "{fs: 48000}"), "--input", input, "-q"});
  EXPECT_EQ(other.exit_code, 0);
  CommandResult warned = run_graphrun({"run", graph(dir, "f64", "[-1]", "{fs: 48000}"), "--input", input});
  EXPECT_NE(warned.err.find("is sampled at 8000 Hz, the graph's param fs is 48000.0 (--set fs=8000"),
            std::string::npos)
      << warned.err;
  EXPECT_EQ(other.err, "");
}

TEST(Formats, FlagsThatDoNotFitAreUsageErrorsBeforeTheRun) {
  TempDir dir;
  std::string g = graph(dir, "f64", "[-1]");
  std::string nd = graph(dir, "f64", "[-1]", "{}", "[2, 1, -1]");
  const std::string input = "x=" + kFormats + "mono_pcm16.wav";
  struct Case {
    std::vector<std::string> args;
    std::string wanted;
  };
  for (const Case& c :
       {Case{{"run", g, "--input", input, "--format", "wav"}, "--format wav is the format of the files of -o DIR, and no -o was given"},
        Case{{"run", g, "--input", input, "-o", dir.path() + "/r.npz", "--format", "csv"},
             "--format csv: -o " + dir.path() + "/r.npz writes every output as .npy into one archive"},
        Case{{"run", g, "--input", input, "-o", dir.path() + "/w", "--wav-rate", "8000"},
             "--wav-rate 8000 is the sample rate of the files of -o DIR --format wav"},
        Case{{"run", g, "--input", input, "-o", dir.path() + "/w", "--format", "wav", "--wav-rate", "8k"},
             "--wav-rate must be a whole number of samples per second"},
        Case{{"run", nd, "--input", input, "-o", dir.path() + "/w", "--format", "wav"},
             "--format wav: the output 'z': a WAV output is 1-D (frames,) or 2-D (channels, frames); this one has "
             "shape (2, 1, 200)"},
        Case{{"run", g, "--input", input, "-o", g + "/r.npz"}, "is a file, not a folder"}}) {
    SCOPED_TRACE(c.wanted);
    CommandResult r = run_graphrun(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.wanted), std::string::npos) << r.err;
  }
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().extension(), ".yaml") << e.path() << ": nothing is written";
}

TEST(Formats, NdCsvOutputsReadBackInNumpyAndGraphrun) {
  if (!fs::exists(kPython)) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir dir;
  std::string g = graph(dir, "f64", "[-1, -1]", "{}", "[2, 1, 3]");
  std::string input = "x=" + kFormats + "savez.npz:x";
  ASSERT_EQ(run_graphrun({"run", g, "--input", input, "-o", dir.path() + "/c", "--format", "csv", "-q"}).exit_code, 0);
  EXPECT_TRUE(python("z = np.loadtxt('" + dir.path() + "/c/z.csv', delimiter=',')\n"
                     "x = np.load('" + kFormats + "x.expected.npy')\n"
                     "assert np.array_equal(z, x.reshape(2, 3)), z\n"
                     "assert open('" + dir.path() + "/c/z.csv').readline() == '# shape: 2,1,3\\n'"));
  // Read back: the recorded shape, as a .npy would give it.
  CommandResult back = run_graphrun({"run", graph(dir, "f64", "[2, 1, 3]"), "--input", "x=" + dir.path() + "/c/z.csv"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("z: f64 (2, 1, 3)"), std::string::npos) << back.out;
  CommandResult refused = run_graphrun({"run", graph(dir, "f64", "[6]"), "--input", "x=" + dir.path() + "/c/z.csv"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("has shape (2, 1, 3), the graph declares (6,)"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace graphrun::testing
