// OutputFiles, the one writer of output files: all files of a set are replaced together or
// not at all; special files are written in place or refused, never replaced; a signal leaves
// no temporary behind; tensors are streamed, not copied.
#include "io/output_files.h"
#include "io/test_files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

namespace graphrun::io {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

using testing::file_error_of;
using testing::slurp;
using testing::spit;
using testing::TempDir;

TEST(OutputFiles, NothingIsReplacedBeforeCommitAndEverythingAfter) {
  TempDir dir;
  spit(dir.file("a.txt"), "old a");
  spit(dir.file("b.txt"), "old b");
  OutputFiles files;
  files.write(dir.file("a.txt"), "new a");
  files.write(dir.file("b.txt"), "new b");
  files.write(dir.file("c.txt"), "new c");
  EXPECT_EQ(slurp(dir.file("a.txt")), "old a");
  EXPECT_EQ(slurp(dir.file("b.txt")), "old b");
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.txt")));
  EXPECT_EQ(dir.entries().size(), 5u) << "two old files and three temporaries";
  files.commit();
  EXPECT_EQ(slurp(dir.file("a.txt")), "new a");
  EXPECT_EQ(slurp(dir.file("b.txt")), "new b");
  EXPECT_EQ(slurp(dir.file("c.txt")), "new c");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.txt", "b.txt", "c.txt"}));
  EXPECT_EQ(files.paths(), (std::vector<std::string>{dir.file("a.txt"), dir.file("b.txt"), dir.file("c.txt")}));
}

TEST(OutputFiles, AnAbandonedSetRemovesItsTemporariesAndKeepsTheOldFiles) {
  TempDir dir;
  spit(dir.file("a.txt"), "old a");
  {
    OutputFiles files;
    files.write(dir.file("a.txt"), "new a");
    files.write(dir.file("b.txt"), "new b");
    // A later file fails: the set is abandoned (what a run does on any error).
    EXPECT_FALSE(file_error_of([&] { files.write(dir.path().string(), "x"); }).empty());
  }
  EXPECT_EQ(slurp(dir.file("a.txt")), "old a");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.txt"});
}

TEST(OutputFiles, AFailedWriteToADeviceReplacesNothing) {
  if (!std::filesystem::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  spit(dir.file("a.txt"), "old a");
  OutputFiles files;
  files.write(dir.file("a.txt"), "new a");
  std::string message = file_error_of([&] {
    files.write("/dev/full", "trace");
    files.commit();
  });
  EXPECT_NE(message.find("/dev/full: cannot write: No space left on device"), std::string::npos) << message;
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/full"));
  EXPECT_EQ(slurp(dir.file("a.txt")), "old a");
}

TEST(OutputFiles, CharacterDevicesAndFifosAreWrittenInPlace) {
  TempDir dir;
  OutputFiles files;
  files.write("/dev/null", "discarded");
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = slurp(fifo); });
  files.write(fifo, "through the fifo");
  files.commit();
  reader.join();
  EXPECT_EQ(received, "through the fifo");
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "still a FIFO, not replaced by a file";
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"fifo"});
}

TEST(OutputFiles, DescriptorPathsWriteThroughTheOpenDescriptor) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  OutputFiles files;
  files.write("/dev/fd/" + std::to_string(pipe_fds[1]), "via the descriptor");
  files.commit();
  ::close(pipe_fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(pipe_fds[0], buf, sizeof buf - 1);
  ::close(pipe_fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "via the descriptor");
}

TEST(OutputFiles, FoldersSocketsAndBadParentsAreRefusedWithTheReason) {
  TempDir dir;
  spit(dir.file("file"), "x");
  std::string socket_path = dir.file("sock");
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  struct Case {
    std::string path, wanted;
  };
  for (const Case& c : {Case{dir.path().string(), "is a folder; give a file name"},
                        Case{socket_path, "is a socket; an output can be a regular file"},
                        Case{dir.file("file/out.npy"), "'" + dir.file("file") + "' is a file, not a folder"},
                        Case{dir.file("missing/out.npy"), "the folder '" + dir.file("missing") + "' does not exist"},
                        Case{"/dev/fd/987", "descriptor 987 is not open"}}) {
    SCOPED_TRACE(c.path);
    std::string message = file_error_of([&] { output_kind(c.path); });
    EXPECT_NE(message.find(c.path + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(c.wanted), std::string::npos) << message;
    OutputFiles files;
    EXPECT_EQ(file_error_of([&] { files.open(c.path); }), message);
  }
  ::close(s);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"file", "sock"}));
}

TEST(OutputFiles, OutputFolderChecksNameWhatIsInTheWay) {
  TempDir dir;
  spit(dir.file("file"), "x");
  EXPECT_NE(file_error_of([&] { check_output_folder(dir.file("file")); }).find("file: is a file, not a folder"),
            std::string::npos);
  EXPECT_NE(file_error_of([&] { check_output_folder(dir.file("file/sub")); }).find("'" + dir.file("file") + "' is a file"),
            std::string::npos);
  EXPECT_NE(file_error_of([&] { check_output_folder("/dev/null"); }).find("/dev/null: is a character device, not a folder"),
            std::string::npos);
  make_output_folder(dir.file("new/deeper"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.file("new/deeper")));
}

TEST(OutputFiles, ASymbolicLinkStaysALinkAndItsTargetIsReplaced) {
  TempDir dir;
  spit(dir.file("real.txt"), "old");
  std::filesystem::create_symlink("real.txt", dir.file("link.txt"));
  OutputFiles files;
  files.write(dir.file("link.txt"), "new");
  files.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.txt")));
  EXPECT_EQ(slurp(dir.file("real.txt")), "new");
}

TEST(OutputFiles, ReplacingAFileKeepsItsPermissions) {
  TempDir dir;
  spit(dir.file("a.txt"), "old");
  ASSERT_EQ(::chmod(dir.file("a.txt").c_str(), 0640), 0);
  OutputFiles files;
  files.write(dir.file("a.txt"), "new");
  files.commit();
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(OutputFiles, AFileNamedTwiceIsRefused) {
  TempDir dir;
  OutputFiles files;
  files.write(dir.file("a.txt"), "1");
  std::string message = file_error_of([&] { files.write(dir.path().string() + "/./a.txt", "2"); });
  EXPECT_NE(message.find("named twice"), std::string::npos) << message;
}

/// Runs `body` in a child process; returns its wait status.
template <typename F> int in_child(F&& body) {
  pid_t child = ::fork();
  if (child == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

TEST(OutputFiles, ASignalRemovesTheTemporariesAndStillEndsTheProcess) {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    SCOPED_TRACE(strsignal(signal));
    TempDir dir;
    spit(dir.file("a.txt"), "old a");
    int status = in_child([&] {
      std::signal(signal, SIG_DFL);
      OutputFiles files;
      files.write(dir.file("a.txt"), "new a");
      files.write(dir.file("b.txt"), std::string(3 << 20, 'b'));  // large enough to reach the file
      ::raise(signal);
      ::_exit(0);  // not reached: the signal ends the process
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
    EXPECT_EQ(WTERMSIG(status), signal);
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.txt"});
    EXPECT_EQ(slurp(dir.file("a.txt")), "old a");
  }
}

TEST(OutputFiles, AnIgnoredSignalStaysIgnored) {
  TempDir dir;
  int status = in_child([&] {
    std::signal(SIGTERM, SIG_IGN);
    OutputFiles files;
    files.write(dir.file("a.txt"), "new a");
    ::raise(SIGTERM);
    files.commit();
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(slurp(dir.file("a.txt")), "new a");
}

/// Bytes of address space the process holds now (VmSize of /proc/self/status).
size_t address_space_bytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  size_t kb = 0;
  while (in >> key)
    if (key == "VmSize:" && in >> kb) return kb * 1024;
  return 0;
}

TEST(OutputFiles, TensorsAreStreamedNotCopied) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space";
  // 128 MB of .npy and about 80 MB of .csv text written with 48 MB of address space to
  // spare: the encoded file in memory (a copy of the whole tensor) cannot fit, streaming does.
  TempDir dir;
  for (const char* name : {"big.npy", "big.csv"}) {
    SCOPED_TRACE(name);
    int status = in_child([&] {
      const size_t n = std::string(name).ends_with(".npy") ? 16u << 20 : 4u << 20;
      std::vector<double> values(n);
      for (size_t i = 0; i < n; ++i) values[i] = static_cast<double>(i) / 3;
      rlimit limit{};
      limit.rlim_cur = limit.rlim_max = address_space_bytes() + (48u << 20);
      ::setrlimit(RLIMIT_AS, &limit);
      try {
        write_tensor(dir.file(name), GR_F64, {static_cast<int64_t>(n)}, values.data());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        ::_exit(1);
      }
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  HostArray npy = read_tensor(dir.file("big.npy"), GR_F64);
  ASSERT_EQ(npy.shape, std::vector<int64_t>{16 << 20});
  EXPECT_EQ(npy.f64[12345], 12345.0 / 3);
  HostArray csv = read_tensor(dir.file("big.csv"), GR_F64);
  ASSERT_EQ(csv.shape, std::vector<int64_t>{4 << 20});
  EXPECT_EQ(csv.f64[4194303], 4194303.0 / 3);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"big.csv", "big.npy"}));
}

}  // namespace
}  // namespace graphrun::io
