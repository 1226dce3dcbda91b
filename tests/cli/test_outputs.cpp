// Output files of `graphrun run`: bad -o, --trace and --plot paths are usage errors found
// before the run; all outputs are replaced together or not at all; special files are never
// replaced; an interrupted write leaves no temporary file; -o lists what it wrote.
#include "support/command.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

const char* kGraph =
    "format: 1\ngraph: two\ndtype: f64\n"
    "params: {n: 5}\n"
    "nodes:\n"
    "  - {id: a, op: linspace, start: 0, stop: 1, num: $n}\n"
    "  - {id: b, op: scale, in: [a], a: 2, b: 0}\n"
    "outputs: [a, b]\n";

std::string write_graph(const TempDir& dir) {
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << kGraph;
  return path;
}

std::vector<std::string> entries(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Outputs, BadOutputFoldersAreUsageErrorsThatSayWhatIsWrong) {
  TempDir dir;
  std::string g = write_graph(dir);
  std::ofstream(dir.path() + "/file") << "x";
  struct Case {
    std::string dir, wanted;
  };
  for (const Case& c : {Case{dir.path() + "/file", "-o " + dir.path() + "/file: is a file, not a folder"},
                        Case{dir.path() + "/file/sub", "'" + dir.path() + "/file' is a file, not a folder"},
                        Case{"/dev/null", "-o /dev/null: is a character device, not a folder"}}) {
    SCOPED_TRACE(c.dir);
    CommandResult r = run_graphrun({"run", g, "-o", c.dir});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(c.wanted), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"file", "g.yaml"}));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(Outputs, TraceAndPlotNamingAFolderGiveTheRealReason) {
  TempDir dir;
  std::string g = write_graph(dir);
  for (const char* flag : {"--trace", "--plot"}) {
    CommandResult r = run_graphrun({"run", g, flag, dir.path()});
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_NE(r.err.find(std::string(flag) + " " + dir.path() + ": is a folder; give a file name"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("Success"), std::string::npos) << r.err;
  }
}

TEST(Outputs, FlagsThatCannotBeHonouredAreUsageErrors) {
  TempDir dir;
  std::string g = write_graph(dir);
  std::string escaping = dir.path() + "/names.yaml";
  std::ofstream(escaping) << "format: 1\ngraph: n\nnodes:\n  - {id: a, op: linspace, start: 0, stop: 1, num: 3}\n"
                             "outputs: {\"../escape\": a}\n";
  fs::create_directory(dir.path() + "/out");
  struct Case {
    std::vector<std::string> args;
    std::string wanted;
  };
  for (const Case& c :
       {Case{{"run", escaping, "-o", dir.path() + "/out"}, "output name '../escape' must be a plain file name"},
        Case{{"run", g, "--format", "csv"}, "--format csv is the format of the files of -o DIR, and no -o was given"},
        Case{{"run", g, "--plot", dir.path() + "/p.pdf"}, "a plot file is .svg or .png"},
        Case{{"run", g, "--trace", dir.path() + "/x.svg", "--plot", dir.path() + "/./x.svg"}, "is also the --trace file"},
        Case{{"run", g, "-o", dir.path() + "/out", "--trace", dir.path() + "/out/b.npy"},
             "--trace " + dir.path() + "/out/b.npy: is also the file of the output 'b'"}}) {
    CommandResult r = run_graphrun(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.wanted;
    EXPECT_NE(r.err.find(c.wanted), std::string::npos) << r.err;
  }
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"g.yaml", "names.yaml", "out"}));
  EXPECT_TRUE(entries(dir.path() + "/out").empty());
}

TEST(Outputs, AnOutputFileThatIsAFolderIsFoundBeforeTheRun) {
  TempDir dir;
  std::string g = write_graph(dir);
  fs::create_directories(dir.path() + "/out/b.npy");
  CommandResult r = run_graphrun({"run", g, "-o", dir.path() + "/out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-o " + dir.path() + "/out/b.npy: is a folder"), std::string::npos) << r.err;
  EXPECT_EQ(entries(dir.path() + "/out"), std::vector<std::string>{"b.npy"}) << "a.npy is not written alone";
}

TEST(Outputs, DevicesAreWrittenInPlaceNeverReplaced) {
  TempDir dir;
  std::string g = write_graph(dir);
  CommandResult r = run_graphrun({"run", g, "--trace", "/dev/null", "--plot", "/dev/null", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  CommandResult out = run_graphrun({"run", g, "--plot", "/dev/stdout", "--quiet"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out.rfind("<?xml", 0), 0u) << out.out.substr(0, 200);
  EXPECT_NE(out.out.find("<svg"), std::string::npos);
}

TEST(Outputs, AFailedWriteReplacesNoOutput) {
  if (!fs::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  // The tensors are written first, then the trace fails (the device is full): the old
  // outputs stay, no temporary file remains, the device stays a device.
  TempDir dir;
  std::string g = write_graph(dir);
  std::string out = dir.path() + "/out";
  ASSERT_EQ(run_graphrun({"run", g, "-o", out, "--set", "n=3", "--quiet"}).exit_code, 0);
  std::string old_a = read_text(out + "/a.npy");
  CommandResult r = run_graphrun({"run", g, "-o", out, "--trace", "/dev/full"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/dev/full: cannot write: No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no output file was replaced"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(out + "/a.npy"), old_a);
  EXPECT_EQ(entries(out), (std::vector<std::string>{"a.npy", "b.npy"}));
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(Outputs, OutputDirListsWhatItWrote) {
  TempDir dir;
  std::string g = write_graph(dir);
  std::string out = dir.path() + "/new/out";
  CommandResult r = run_graphrun({"run", g, "-o", out, "--trace", dir.path() + "/t.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // On stdout, each tensor with its dtype and shape; a device written in place is no file.
  EXPECT_EQ(r.out, "wrote " + out + "/a.npy: f64 (5,)\nwrote " + out + "/b.npy: f64 (5,)\nwrote " + dir.path() +
                       "/t.json\n");
  EXPECT_EQ(r.err, "");
  CommandResult plot = run_graphrun({"run", g, "-o", out + ".npz", "--plot", "/dev/null"});
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_EQ(plot.out, "wrote " + out + ".npz:a: f64 (5,)\nwrote " + out + ".npz:b: f64 (5,)\n");
  CommandResult quiet = run_graphrun({"run", g, "-o", out, "--quiet"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out + quiet.err, "");
}

TEST(Outputs, ASignalDuringTheWritesLeavesNoTemporaryFile) {
  // The trace goes to a FIFO nobody reads: graphrun blocks opening it after the tensors'
  // temporary files exist. SIGTERM (or SIGINT) then must remove them and end the process
  // with the signal's usual status.
  for (int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(strsignal(signal));
    TempDir dir;
    std::string g = write_graph(dir);
    std::string out = dir.path() + "/out";
    fs::create_directory(out);
    std::ofstream(out + "/a.npy") << "old";
    std::string fifo = dir.path() + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::signal(SIGINT, SIG_DFL);  // a shell may start background jobs with SIGINT ignored
      ::signal(SIGTERM, SIG_DFL);
      ::freopen("/dev/null", "w", stderr);
      ::execl(GRAPHRUN_EXE, GRAPHRUN_EXE, "run", g.c_str(), "-o", out.c_str(), "--trace", fifo.c_str(),
              "--quiet", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    bool temporaries_seen = false;
    for (int i = 0; i < 600 && !temporaries_seen; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      temporaries_seen = entries(out).size() == 3;  // a.npy and two temporaries
    }
    EXPECT_TRUE(temporaries_seen);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it reach the FIFO
    ::kill(child, signal);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), signal);
    EXPECT_EQ(entries(out), std::vector<std::string>{"a.npy"});
    EXPECT_EQ(read_text(out + "/a.npy"), "old");
  }
}

}  // namespace
}  // namespace graphrun::testing
