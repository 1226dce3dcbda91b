// .npz archives (numpy.savez, numpy.savez_compressed): a zip of .npy members, read and written
// with libzip. Every member is decoded by the .npy reader, so an .npz holds what a .npy can.
#include "io/tensor_formats.h"

#include <zip.h>

#include <algorithm>
#include <deque>
#include <memory>

namespace graphrun::io::detail {
namespace {

constexpr std::string_view kNpySuffix = ".npy";

/// The key numpy gives a member: its name without ".npy".
std::string key_of(const std::string& name) {
  return name.ends_with(kNpySuffix) ? name.substr(0, name.size() - kNpySuffix.size()) : name;
}

/// An archive opened for reading; discarded (nothing written) at scope exit.
struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

struct MemberCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string error_text(zip_error_t* error) {
  std::string text = zip_error_strerror(error);
  zip_error_fini(error);
  return text;
}

/// Opens the archive held in `bytes` (not copied: they must outlive it).
Archive open_archive(const std::string& path, std::string_view bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) throw FileError(path + ": cannot read the archive: " + error_text(&error));
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    zip_source_free(source);
    throw FileError(path + ": not a valid .npz (zip) archive: " + error_text(&error));
  }
  zip_error_fini(&error);
  return Archive(archive);
}

/// The member names, in archive order.
std::vector<std::string> member_names(const std::string& path, zip_t* archive) {
  zip_int64_t count = zip_get_num_entries(archive, 0);
  std::vector<std::string> names;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
    if (!name) throw FileError(path + ": not a valid .npz archive: " + zip_strerror(archive));
    names.emplace_back(name);
  }
  return names;
}

std::string key_list(const std::vector<std::string>& names) {
  std::string keys;
  for (const auto& name : names) keys += (keys.empty() ? "" : ", ") + key_of(name);
  return keys;
}

/// Which member `wanted` names ("" = the only one); FileError listing the keys otherwise.
size_t choose_member(const std::string& path, const std::string& wanted, const std::vector<std::string>& names) {
  if (names.empty()) throw FileError(path + ": the archive holds no arrays");
  if (wanted.empty()) {
    if (names.size() == 1) return 0;
    throw FileError(path + ": the archive holds " + std::to_string(names.size()) + " arrays (" + key_list(names) +
                    "); name one as " + path + ":KEY");
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == wanted || names[i] == wanted + std::string(kNpySuffix)) return i;
  throw FileError(path + ": no array '" + wanted + "' in the archive (its keys: " + key_list(names) + ")");
}

/// The uncompressed bytes of member `index`; FileError on a corrupt or encrypted member.
std::string member_bytes(const std::string& where, zip_t* archive, size_t index, size_t archive_size) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, index, 0, &stat) != 0)
    throw FileError(where + ": cannot read the member: " + zip_strerror(archive));
  std::unique_ptr<zip_file_t, MemberCloser> file(zip_fopen_index(archive, index, 0));
  if (!file) throw FileError(where + ": cannot read the member: " + zip_strerror(archive));
  std::string bytes;
  // The size the directory states may be a lie: reserve at most what deflate could expand
  // the whole archive to, and read until the member ends.
  if (stat.valid & ZIP_STAT_SIZE)
    bytes.reserve(static_cast<size_t>(std::min<zip_uint64_t>(stat.size, zip_uint64_t{1032} * archive_size)));
  char buffer[1 << 16];
  while (true) {
    zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    if (n < 0) throw FileError(where + ": the member is corrupt: " + zip_file_strerror(file.get()));
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return bytes;
}

}  // namespace

HostArray decode_npz(const std::string& path, const std::string& member, std::string_view bytes, gr_dtype dtype) {
  Archive archive = open_archive(path, bytes);
  std::vector<std::string> names = member_names(path, archive.get());
  size_t index = choose_member(path, member, names);
  std::string where = path + ":" + key_of(names[index]);
  if (!names[index].ends_with(kNpySuffix))
    throw FileError(where + ": the member '" + names[index] + "' is not a .npy file");
  std::string npy = member_bytes(where, archive.get(), index, bytes.size());
  return decode_npy(where, npy, dtype);
}

}  // namespace graphrun::io::detail

namespace graphrun::io {
namespace {

/// A source (or an archive being built) freed at scope exit unless released.
struct SourceFree {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};
using Source = std::unique_ptr<zip_source_t, SourceFree>;

[[noreturn]] void fail(const std::string& path, const std::string& what, zip_error_t* error) {
  throw FileError(path + ": cannot build the archive: " + what + ": " + zip_error_strerror(error));
}

}  // namespace

void write_npz(OutputFiles& files, const std::string& path, gr_dtype dtype, const std::vector<NamedTensor>& tensors) {
  zip_error_t error;
  zip_error_init(&error);
  // The archive is built in a growing buffer that libzip owns; `buffer` keeps it past zip_close.
  Source buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) fail(path, "memory", &error);
  zip_t* archive = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error);
  if (!archive) fail(path, "open", &error);
  zip_source_keep(buffer.get());  // the archive now holds a reference too
  std::deque<std::string> prefixes;  // each member's .npy header, alive until zip_close
  const size_t item = dtype == GR_F64 ? sizeof(double) : sizeof(float);
  try {
    for (const NamedTensor& t : tensors) {
      const int64_t n = detail::checked_numel(path + ":" + t.name, t.shape);
      prefixes.push_back(detail::npy_prefix(dtype, t.shape));
      // Two fragments, header and data: the data is not copied until zip_close.
      zip_buffer_fragment_t parts[2] = {
          {reinterpret_cast<zip_uint8_t*>(prefixes.back().data()), prefixes.back().size()},
          {static_cast<zip_uint8_t*>(const_cast<void*>(t.data)), static_cast<zip_uint64_t>(n) * item}};
      zip_source_t* member = zip_source_buffer_fragment_create(parts, n > 0 ? 2 : 1, 0, &error);
      if (!member) fail(path, t.name, &error);
      const std::string name = t.name + ".npy";
      zip_int64_t index = zip_file_add(archive, name.c_str(), member, ZIP_FL_ENC_UTF_8);
      if (index < 0) {
        zip_source_free(member);
        throw FileError(path + ": cannot add '" + name + "': " + zip_strerror(archive));
      }
      // Stored, as np.savez writes: the data is floats, which deflate barely shrinks.
      if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0)
        throw FileError(path + ": cannot store '" + name + "': " + zip_strerror(archive));
    }
    if (zip_close(archive) != 0) throw FileError(path + ": cannot build the archive: " + zip_strerror(archive));
  } catch (...) {
    zip_discard(archive);
    throw;
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_source_stat(buffer.get(), &stat) != 0 || zip_source_open(buffer.get()) != 0)
    throw FileError(path + ": cannot read the archive built: " + zip_error_strerror(zip_source_error(buffer.get())));
  OutputStream& out = files.open(path);
  char chunk[1 << 16];
  zip_int64_t n = 0;
  while ((n = zip_source_read(buffer.get(), chunk, sizeof chunk)) > 0) out.write(chunk, static_cast<size_t>(n));
  zip_source_close(buffer.get());
  if (n < 0) throw FileError(path + ": cannot read the archive built");
}

}  // namespace graphrun::io
