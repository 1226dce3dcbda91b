// One entry of the on-disk kernel cache: the key a compiled kernel image is cached under, the
// file name it gets (a hash of the key), and the file's bytes. Pure C++ (no CUDA headers), so
// builds without CUDA compile and test it too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::cuda {

/// Everything a compiled image depends on; two equal keys give the same image.
struct KernelKey {
  std::string source;            // the CUDA C++ source text
  std::string arch;              // "sm_90"
  std::string compiler_version;  // "NVRTC 13.0"
  std::vector<std::string> options;  // compiler options, in the order given

  bool operator==(const KernelKey&) const = default;
};

/// A compiled kernel image (cubin or PTX): bytes, not text.
using KernelImage = std::string;

/// The key as one unambiguous byte string (each field length-prefixed): what is hashed,
/// stored in the entry and compared.
std::string encode_key(const KernelKey& key);

/// The entry's file name: XXH3-128 of encode_key as 32 hex digits, plus ".kernel".
std::string entry_file_name(const KernelKey& key);

/// The bytes of an entry file: a header (magic, format version, key and payload sizes,
/// XXH3-128 checksum of the payload), then the encoded key, then the image.
std::string encode_entry(const KernelKey& key, std::string_view image);

/// The image stored in `bytes` when they are a whole, intact entry for `key`; otherwise
/// nullopt and `why` says what is wrong ("truncated", "payload checksum differs", ...).
std::optional<KernelImage> decode_entry(std::string_view bytes, const KernelKey& key, std::string* why = nullptr);

}  // namespace graphrun::cuda
