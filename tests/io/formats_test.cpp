// .npz and .wav files, and the N-D and header forms of .csv: what numpy, scipy and Python's
// wave module write (tests/data/io/formats, from tools/ref_formats.py) reads back as the
// values they hold; what graphrun writes reads back the same; broken files are FileErrors
// naming the file.
#include "io/output_files.h"
#include "io/test_files.h"

#include <cmath>

namespace graphrun::io {
namespace {

using testing::file_error_of;
using testing::same_value;
using testing::slurp;
using testing::TempDir;
using testing::values_of;

const std::string kFormats = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io/formats/";

/// The values and shape of a reference <name>.expected.npy.
HostArray expected(const std::string& name) { return read_tensor(kFormats + name + ".expected.npy", GR_F64); }

void expect_same(const HostArray& got, const HostArray& want) {
  EXPECT_EQ(got.shape, want.shape);
  std::vector<double> a = values_of(got), b = values_of(want);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_value(a[i], b[i])) << "element " << i;
}

TEST(Npz, ReadsEveryMemberOfSavezAndSavezCompressed) {
  for (const char* archive : {"savez.npz", "savez_compressed.npz"}) {
    for (const char* key : {"x", "y", "k"}) {
      SCOPED_TRACE(std::string(archive) + ":" + key);
      expect_same(read_tensor(kFormats + archive + ":" + key, GR_F64), expected(key));
      expect_same(read_tensor(kFormats + archive + ":" + key + ".npy", GR_F64), expected(key));
    }
  }
  HostArray f32 = read_tensor(kFormats + "savez_compressed.npz:y", GR_F32);
  HostArray want = expected("y");
  ASSERT_EQ(f32.f32.size(), want.f64.size());
  for (size_t i = 0; i < want.f64.size(); ++i) EXPECT_EQ(f32.f32[i], static_cast<float>(want.f64[i]));
}

TEST(Npz, AnArchiveOfOneArrayNeedsNoKey) {
  expect_same(read_tensor(kFormats + "single.npz", GR_F64), expected("single"));
  expect_same(read_tensor(kFormats + "single.npz:arr_0", GR_F64), expected("single"));
}

TEST(Npz, BrokenArchivesAndMissingKeysAreFileErrorsNamingTheFile) {
  struct Case {
    std::string spec, wanted;
  };
  for (const Case& c :
       {Case{"savez.npz", "savez.npz: the archive holds 3 arrays (x, y, k); name one as " + kFormats + "savez.npz:KEY"},
        Case{"savez.npz:q", "savez.npz: no array 'q' in the archive (its keys: x, y, k)"},
        Case{"with_text.npz:notes.txt", "with_text.npz:notes.txt: the member 'notes.txt' is not a .npy file"},
        Case{"empty.npz", "empty.npz: the archive holds no arrays"},
        Case{"truncated.npz:x", "truncated.npz: not a valid .npz (zip) archive"},
        Case{"garbage.npz", "garbage.npz: not a valid .npz (zip) archive"},
        Case{"bad_member.npz:x", "bad_member.npz:x: "},
        Case{"missing.npz:x", "missing.npz: cannot open"}}) {
    SCOPED_TRACE(c.spec);
    std::string message = file_error_of([&] { read_tensor(kFormats + c.spec, GR_F64); });
    EXPECT_NE(message.find(kFormats + c.wanted), std::string::npos) << message;
  }
}

TEST(Npz, WrittenArchivesReadBackExactly) {
  TempDir dir;
  const double a[] = {0.1, -0.0, 1e300, NAN, -INFINITY, 3};
  const double b[] = {42};
  OutputFiles files;
  write_npz(files, dir.file("r.npz"), GR_F64, {{"a", {2, 3}, a}, {"b", {}, b}, {"e", {0, 4}, nullptr}});
  files.commit();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"r.npz"});  // no temporary left
  HostArray ra = read_tensor(dir.file("r.npz:a"), GR_F64);
  EXPECT_EQ(ra.shape, (std::vector<int64_t>{2, 3}));
  for (size_t i = 0; i < 6; ++i) EXPECT_TRUE(same_value(ra.f64[i], a[i])) << i;
  EXPECT_EQ(read_tensor(dir.file("r.npz:b"), GR_F64).shape, std::vector<int64_t>{});
  EXPECT_EQ(read_tensor(dir.file("r.npz:e"), GR_F64).shape, (std::vector<int64_t>{0, 4}));
  const float f[] = {0.1f, 2.5f};
  write_tensor(dir.file("f.npy"), GR_F32, {2}, f);
  OutputFiles more;
  write_npz(more, dir.file("f.npz"), GR_F32, {{"f", {2}, f}});
  more.commit();
  EXPECT_EQ(read_tensor(dir.file("f.npz"), GR_F32).f32, (std::vector<float>{0.1f, 2.5f}));
  // Stored, not compressed: the member's bytes are np.save's, found whole in the archive.
  EXPECT_NE(slurp(dir.file("f.npz")).find(slurp(dir.file("f.npy"))), std::string::npos);
}

TEST(Wav, ReadsPcmAndFloatAsTheirSamples) {
  // PCM is scaled by 1/32768 (numpy's reference does the same); float samples are kept.
  expect_same(read_tensor(kFormats + "mono_pcm16.wav", GR_F64), expected("mono_pcm16"));
  expect_same(read_tensor(kFormats + "stereo_pcm16.wav", GR_F64), expected("stereo_pcm16"));
  expect_same(read_tensor(kFormats + "stereo_f32.wav", GR_F64), expected("stereo_f32"));
  HostArray a = read_tensor(kFormats + "stereo_pcm16.wav", GR_F32);
  EXPECT_EQ(a.audio_channels, 2);
  EXPECT_EQ(a.sample_rate, 8000);
  EXPECT_EQ(read_tensor(kFormats + "stereo_f32.wav", GR_F32).sample_rate, 44100);
}

TEST(Wav, ArrangeAudioTakesTheLayoutAsked) {
  HostArray want = expected("stereo_pcm16");  // (2, frames)
  const int64_t frames = want.shape[1];
  HostArray a = read_tensor(kFormats + "stereo_pcm16.wav", GR_F64);
  ASSERT_TRUE(arrange_audio(a, [](const std::vector<int64_t>& s) { return s.size() == 2 && s[1] == 2; }));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{frames, 2}));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t c = 0; c < 2; ++c) EXPECT_EQ(a.f64[static_cast<size_t>(f * 2 + c)], want.f64[static_cast<size_t>(c * frames + f)]);
  HostArray m = read_tensor(kFormats + "mono_pcm16.wav", GR_F64);
  EXPECT_TRUE(arrange_audio(m, [](const std::vector<int64_t>& s) { return s.size() == 2 && s[0] == 1; }));
  EXPECT_EQ(m.shape[0], 1);
  EXPECT_FALSE(arrange_audio(m, [](const std::vector<int64_t>& s) { return s.size() == 3; }));
}

TEST(Wav, WrittenFilesReadBackExactlyInFloat32) {
  TempDir dir;
  HostArray want = expected("stereo_f32");  // float32 values beyond [-1, 1] included
  std::vector<float> samples(want.f64.begin(), want.f64.end());
  OutputFiles files;
  int64_t outside = write_wav(files, dir.file("s.wav"), GR_F32, want.shape, samples.data(), 22050);
  files.commit();
  int64_t count = 0;
  for (float v : samples) count += std::fabs(v) > 1;
  EXPECT_EQ(outside, count);
  EXPECT_GT(outside, 0);
  HostArray back = read_tensor(dir.file("s.wav"), GR_F32);
  EXPECT_EQ(back.sample_rate, 22050);
  EXPECT_EQ(back.shape, want.shape);
  EXPECT_EQ(back.f32, samples);
}

TEST(Wav, BadFilesAndLayoutsAreFileErrors) {
  EXPECT_NE(file_error_of([&] { read_tensor(kFormats + "aiff.wav", GR_F64); }).find(kFormats + "aiff.wav: is AIFF"),
            std::string::npos);
  EXPECT_NE(file_error_of([&] { read_tensor(kFormats + "garbage.wav", GR_F64); })
                .find(kFormats + "garbage.wav: not a WAV file libsndfile can read"),
            std::string::npos);
  TempDir dir;
  const float v[6] = {};
  OutputFiles files;
  EXPECT_NE(file_error_of([&] { write_wav(files, dir.file("x.wav"), GR_F32, {1, 2, 3}, v, 8000); })
                .find("a WAV output is 1-D (frames,) or 2-D (channels, frames)"),
            std::string::npos);
  EXPECT_NE(wav_layout_problem({6000, 2}).find("6000 channels"), std::string::npos);
  EXPECT_EQ(wav_layout_problem({2, 6000}), "");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(CsvFormats, NumpySavetxtWithAShapeHeaderReadsAsItsArray) {
  HostArray a = read_tensor(kFormats + "savetxt_2x3x4.csv", GR_F64);
  expect_same(a, expected("savetxt_2x3x4"));
  EXPECT_FALSE(a.from_csv) << "a recorded shape is the file's own, never reshaped";
}

TEST(CsvFormats, AHeaderWithAnUnnamedIndexColumnIsSkipped) {
  expect_same(read_tensor(kFormats + "pandas_header.csv", GR_F64), expected("pandas_header"));
}

TEST(CsvFormats, NdOutputsRecordTheirShapeOnTheFirstLine) {
  TempDir dir;
  const double v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  write_tensor(dir.file("c.csv"), GR_F64, {2, 2, 2}, v);
  EXPECT_EQ(slurp(dir.file("c.csv")), "# shape: 2,2,2\n1.0,2.0\n3.0,4.0\n5.0,6.0\n7.0,8.0\n");
  write_tensor(dir.file("t.csv"), GR_F64, {2, 4}, v);
  EXPECT_EQ(slurp(dir.file("t.csv")).find('#'), std::string::npos) << "1-D and 2-D as before";
}

}  // namespace
}  // namespace graphrun::io
