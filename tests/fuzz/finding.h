// What a harness does when an input breaks a promise the code makes: print what broke and
// abort, so libFuzzer saves the input as a crash and the regression replay fails.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace graphrun::fuzz {

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\n==fuzz finding== %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace graphrun::fuzz
