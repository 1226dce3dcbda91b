// The bytes an io writer streams, captured through an in-memory file: what the harnesses
// read back to check that writing and reading a decoded array changes nothing.
#pragma once

#include "io/output_files.h"
#include "io/tensor_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace graphrun::fuzz {

/// Calls write(OutputStream&) on an in-memory file and returns what it wrote.
template <typename Write> std::string encoded(const char* name, Write&& write) {
  const int fd = ::memfd_create(name, 0);
  if (fd < 0) return {};
  {
    io::OutputStream out(::dup(fd), name);
    write(out);
    out.flush();
    out.close();
  }
  std::string bytes;
  char buffer[65536];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) bytes.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return bytes;
}

/// The decoded values of `a` in element type T.
template <typename T> const std::vector<T>& values(const io::HostArray& a) {
  if constexpr (sizeof(T) == 8) return a.f64; else return a.f32;
}

}  // namespace graphrun::fuzz
