// write_tensor replaces files atomically: no temporary file is left behind, and a failed write
// leaves the previous file as it was.
#include "io/test_files.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace graphrun::io {
namespace {

using testing::file_error_of;
using testing::slurp;
using testing::TempDir;

TEST(AtomicWrite, LeavesOnlyTheFileOnSuccess) {
  TempDir dir;
  std::vector<double> v = {1, 2, 3};
  write_tensor(dir.file("out.npy"), GR_F64, {3}, v.data());
  write_tensor(dir.file("out.csv"), GR_F64, {3}, v.data());
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"out.csv", "out.npy"}));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("out.npy").c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask) << "created with the usual permissions";
}

TEST(AtomicWrite, ReplacesAnExistingFile) {
  TempDir dir;
  std::vector<double> one = {1, 2, 3}, two = {4, 5};
  write_tensor(dir.file("out.npy"), GR_F64, {3}, one.data());
  write_tensor(dir.file("out.npy"), GR_F64, {2}, two.data());
  EXPECT_EQ(read_tensor(dir.file("out.npy"), GR_F64).f64, two);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.npy"});
}

TEST(AtomicWrite, WriteFailureKeepsTheOldFileAndRemovesTheTemporary) {
  // A child process limited to 4 KiB per file (RLIMIT_FSIZE binds root too) fails half-way
  // through writing 80 KB: the error is reported, the old file stays, no temporary remains.
  TempDir dir;
  std::vector<double> old = {7, 8, 9};
  write_tensor(dir.file("out.npy"), GR_F64, {3}, old.data());
  std::string old_bytes = slurp(dir.file("out.npy"));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::vector<double> big(10000, 1.5);
    try {
      write_tensor(dir.file("out.npy"), GR_F64, {10000}, big.data());
    } catch (const FileError& e) {
      bool named = std::string(e.what()).find(dir.file("out.npy")) != std::string::npos;
      ::_exit(named ? 0 : 2);
    }
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error thrown, 2: message without the file name";
  EXPECT_EQ(slurp(dir.file("out.npy")), old_bytes);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.npy"});
}

TEST(AtomicWrite, UnwritableFolderKeepsTheOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  TempDir dir;
  std::vector<double> old = {7, 8, 9};
  write_tensor(dir.file("out.npy"), GR_F64, {3}, old.data());
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_exec);
  std::string message = file_error_of([&] { write_tensor(dir.file("out.npy"), GR_F64, {2}, old.data()); });
  EXPECT_NE(message.find(dir.file("out.npy")), std::string::npos) << message;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  EXPECT_EQ(read_tensor(dir.file("out.npy"), GR_F64).f64, old);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.npy"});
}

TEST(AtomicWrite, AFolderIsNeverReplaced) {
  // The target is a folder: refused before any temporary is made.
  TempDir dir;
  std::filesystem::create_directory(dir.file("out.npy"));
  testing::spit(dir.file("out.npy") + "/keep", "x");
  double v = 1;
  std::string message = file_error_of([&] { write_tensor(dir.file("out.npy"), GR_F64, {1}, &v); });
  EXPECT_NE(message.find("out.npy: is a folder"), std::string::npos) << message;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.npy"});
  EXPECT_EQ(slurp(dir.file("out.npy") + "/keep"), "x");
}

TEST(AtomicWrite, MissingFolderIsAFileError) {
  TempDir dir;
  double v = 1;
  std::string path = dir.file("no/such/folder/out.npy");
  std::string message = file_error_of([&] { write_tensor(path, GR_F64, {1}, &v); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicWrite, NegativeShapeIsRefusedBeforeWriting) {
  TempDir dir;
  double v = 1;
  std::string message = file_error_of([&] { write_tensor(dir.file("out.npy"), GR_F64, {-1}, &v); });
  EXPECT_NE(message.find("negative"), std::string::npos) << message;
  EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace graphrun::io
