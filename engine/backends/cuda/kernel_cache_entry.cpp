// The entry format of the kernel cache. All integers are little-endian; the checksum is
// XXH3-128 (libxxhash, inlined: no shared library to carry along).
#include "backends/cuda/kernel_cache_entry.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace graphrun::cuda {
namespace {

constexpr std::string_view kMagic = "grkernel";  // 8 bytes
constexpr uint32_t kFormatVersion = 1;
// magic, version, header size, key size, payload size, payload checksum
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8 + 8 + 16;
// The key encoding names itself, so that a change of its layout changes every hash.
constexpr std::string_view kKeyTag = "graphrun kernel key 1\n";

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_le(std::string_view bytes, size_t at, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v |= uint64_t{static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)])} << (8 * i);
  return v;
}

void put_field(std::string& out, std::string_view field) {
  put_u64(out, field.size());
  out += field;
}

/// XXH3-128 as 16 bytes, high half first (the canonical order of XXH128_canonicalFromHash).
std::array<char, 16> checksum(std::string_view bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  std::array<char, 16> out{};
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

bool fail(std::string* why, const char* reason) {
  if (why) *why = reason;
  return false;
}

}  // namespace

std::string encode_key(const KernelKey& key) {
  std::string out(kKeyTag);
  put_field(out, key.source);
  put_field(out, key.arch);
  put_field(out, key.compiler_version);
  put_u64(out, key.options.size());
  for (const auto& option : key.options) put_field(out, option);
  return out;
}

std::string entry_file_name(const KernelKey& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (char c : checksum(encode_key(key))) {
    const auto byte = static_cast<unsigned char>(c);
    name += kHex[byte >> 4];
    name += kHex[byte & 15];
  }
  return name + ".kernel";
}

std::string encode_entry(const KernelKey& key, std::string_view image) {
  const std::string encoded_key = encode_key(key);
  std::string out(kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, kHeaderSize);
  put_u64(out, encoded_key.size());
  put_u64(out, image.size());
  const auto sum = checksum(image);
  out.append(sum.data(), sum.size());
  out += encoded_key;
  out += image;
  return out;
}

std::optional<KernelImage> decode_entry(std::string_view bytes, const KernelKey& key, std::string* why) {
  auto check = [&]() -> bool {
    if (bytes.size() < kHeaderSize) return fail(why, "truncated header");
    if (bytes.substr(0, kMagic.size()) != kMagic) return fail(why, "not a graphrun kernel cache entry (magic differs)");
    if (get_le(bytes, 8, 4) != kFormatVersion) return fail(why, "another entry format version");
    if (get_le(bytes, 12, 4) != kHeaderSize) return fail(why, "header size differs");
    const uint64_t key_size = get_le(bytes, 16, 8), payload_size = get_le(bytes, 24, 8);
    const uint64_t rest = bytes.size() - kHeaderSize;
    // Compared without adding the sizes: a corrupt size may be near 2^64.
    if (key_size > rest || payload_size > rest - key_size) return fail(why, "truncated");
    if (payload_size != rest - key_size) return fail(why, "longer than its header says");
    if (bytes.substr(kHeaderSize, key_size) != encode_key(key)) return fail(why, "entry of another key");
    const auto sum = checksum(bytes.substr(kHeaderSize + key_size));
    if (std::memcmp(sum.data(), bytes.data() + 32, sum.size()) != 0) return fail(why, "payload checksum differs");
    return true;
  };
  if (!check()) return std::nullopt;
  return KernelImage(bytes.substr(kHeaderSize + get_le(bytes, 16, 8)));
}

}  // namespace graphrun::cuda
