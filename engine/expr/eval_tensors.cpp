// eval_tensors: numpy broadcasting of the inputs to the output shape, tile by tile, in
// parallel over fixed chunks of tiles.
#include "expr/program_impl.h"
#include "expr/tile_plan.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace graphrun::expr {
namespace {

constexpr int64_t kTilesPerChunk = 16;

int64_t element_count(const gr_tensor& t) {
  int64_t n = 1;
  for (int i = 0; i < t.rank; ++i) n *= t.shape[i];
  return n;
}

std::string shape_text(const gr_tensor& t) {
  std::string s = "(";
  for (int i = 0; i < t.rank; ++i) s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + (t.rank == 1 ? ",)" : ")");
}

// How one input is read for a tile of the output.
template <typename T> struct InputReader {
  enum class Kind { kInPlace, kScalar, kGather };
  Kind kind = Kind::kInPlace;
  const T* data = nullptr;
  // kGather: the output's axes, merged where the input's layout allows, outermost first,
  // with the input's stride along each (0 on broadcast axes).
  int rank = 0;
  int64_t dims[GR_MAX_RANK] = {};
  int64_t strides[GR_MAX_RANK] = {};

  // Writes the input's values at output elements [begin, begin + len) into buffer. One
  // div/mod per axis per tile; then whole runs of the last axis (copy or fill).
  void gather(int64_t begin, int64_t len, T* buffer) const {
    int64_t index[GR_MAX_RANK];
    int64_t rest = begin, offset = 0;
    for (int j = rank - 1; j >= 0; --j) {
      index[j] = rest % dims[j];
      rest /= dims[j];
      offset += index[j] * strides[j];
    }
    const int last = rank - 1;
    for (int64_t done = 0; done < len;) {
      const int64_t run = std::min(dims[last] - index[last], len - done);
      if (strides[last] == 1) {
        std::memcpy(buffer + done, data + offset, run * sizeof(T));
      } else if (strides[last] == 0) {
        std::fill_n(buffer + done, run, data[offset]);
      } else {
        for (int64_t i = 0; i < run; ++i) buffer[done + i] = data[offset + i * strides[last]];
      }
      done += run;
      index[last] += run;
      offset += run * strides[last];
      for (int j = last; j > 0 && index[j] == dims[j]; --j) {  // carry into outer axes
        offset -= index[j] * strides[j];
        index[j] = 0;
        ++index[j - 1];
        offset += strides[j - 1];
      }
    }
  }
};

template <typename T>
InputReader<T> make_reader(const gr_tensor& input, const gr_tensor& output, int64_t n, int v) {
  if (input.rank > output.rank)
    throw std::invalid_argument("input " + std::to_string(v) + " of shape " + shape_text(input) +
                                " has more axes than the output " + shape_text(output));
  int64_t in_strides[GR_MAX_RANK];
  int64_t stride = 1;
  for (int i = input.rank - 1; i >= 0; --i) {
    in_strides[i] = stride;
    stride *= input.shape[i];
  }
  const int lead = output.rank - input.rank;
  for (int i = 0; i < input.rank; ++i)
    if (input.shape[i] != 1 && input.shape[i] != output.shape[lead + i])
      throw std::invalid_argument("input " + std::to_string(v) + " of shape " +
                                  shape_text(input) + " does not broadcast to " +
                                  shape_text(output));

  InputReader<T> reader;
  reader.data = static_cast<const T*>(input.data);
  const int64_t count = element_count(input);
  if (count == n) return reader;  // same elements in the same order: read in place
  if (count == 1) {
    reader.kind = InputReader<T>::Kind::kScalar;
    return reader;
  }
  reader.kind = InputReader<T>::Kind::kGather;
  // Walk the output's axes innermost first, dropping size-1 axes and merging an axis into
  // the inner one when the input steps through both as one (contiguous or both broadcast).
  int64_t dims[GR_MAX_RANK], strides[GR_MAX_RANK];
  int merged = 0;
  for (int i = output.rank - 1; i >= 0; --i) {
    const int64_t dim = output.shape[i];
    if (dim == 1) continue;
    const int in_axis = i - lead;
    const int64_t s = (in_axis < 0 || input.shape[in_axis] == 1) ? 0 : in_strides[in_axis];
    if (merged > 0 && s == strides[merged - 1] * dims[merged - 1]) {
      dims[merged - 1] *= dim;
    } else {
      dims[merged] = dim;
      strides[merged] = s;
      ++merged;
    }
  }
  reader.rank = merged;
  for (int j = 0; j < merged; ++j) {
    reader.dims[j] = dims[merged - 1 - j];
    reader.strides[j] = strides[merged - 1 - j];
  }
  return reader;
}

template <typename T>
void eval_typed(const ProgramImpl& program, std::span<const gr_tensor> inputs,
                std::span<gr_tensor> outputs, const ParallelFor& parallel_for) {
  const gr_tensor& shape = outputs[0];
  const int64_t n = element_count(shape);
  if (n == 0) return;
  const int num_vars = program.num_vars();
  std::vector<InputReader<T>> readers;
  std::vector<const T*> scalar_ptrs(num_vars);
  std::vector<int32_t> is_scalar(num_vars);
  std::vector<int> gather_slot(num_vars, -1);
  int num_gathered = 0;
  for (int v = 0; v < num_vars; ++v) {
    readers.push_back(make_reader<T>(inputs[v], shape, n, v));
    scalar_ptrs[v] = readers[v].data;
    is_scalar[v] = readers[v].kind == InputReader<T>::Kind::kScalar;
    if (readers[v].kind == InputReader<T>::Kind::kGather) gather_slot[v] = num_gathered++;
  }
  TilePlan<T> plan;
  plan.build(program, scalar_ptrs.data(), is_scalar.data());

  bool outputs_direct = true;
  for (const gr_tensor& out : outputs)
    for (int v = 0; v < num_vars; ++v)
      if (overlaps<T>(static_cast<const T*>(out.data), n, readers[v].data,
                      element_count(inputs[v])))
        outputs_direct = false;

  auto body = [&](int64_t chunk_begin, int64_t chunk_end) {
    constexpr int64_t kTile = kTileSize<T>;
    T* scratch = thread_scratch<T>(plan.scratch_size() + num_gathered * kTile);
    T* gather_buffers = scratch + plan.scratch_size();
    std::vector<const T*> var_ptrs(scalar_ptrs);
    std::vector<T*> out_ptrs(outputs.size());
    for (int64_t begin = chunk_begin; begin < chunk_end; begin += kTile) {
      const int64_t len = std::min(kTile, chunk_end - begin);
      for (int v = 0; v < num_vars; ++v) {
        const InputReader<T>& reader = readers[v];
        if (reader.kind == InputReader<T>::Kind::kInPlace) {
          var_ptrs[v] = reader.data + begin;
        } else if (reader.kind == InputReader<T>::Kind::kGather) {
          T* buffer = gather_buffers + gather_slot[v] * kTile;
          reader.gather(begin, len, buffer);
          var_ptrs[v] = buffer;
        }
      }
      for (size_t k = 0; k < outputs.size(); ++k)
        out_ptrs[k] = static_cast<T*>(outputs[k].data) + begin;
      plan.run_tile(len, var_ptrs.data(), out_ptrs.data(), scratch, outputs_direct);
    }
  };
  const int64_t grain = kTilesPerChunk * kTileSize<T>;
  if (n <= grain || !parallel_for) {
    body(0, n);
  } else {
    parallel_for(0, n, grain, body);
  }
}

}  // namespace

void eval_tensors(const Program& program, gr_dtype dtype, std::span<const gr_tensor> inputs,
                  std::span<gr_tensor> outputs, const ParallelFor& parallel_for) {
  const auto* impl = dynamic_cast<const ProgramImpl*>(&program);
  if (!impl) throw std::invalid_argument("eval_tensors: not a compiled expression program");
  if (static_cast<int>(inputs.size()) != program.num_vars() ||
      static_cast<int>(outputs.size()) != program.num_outputs() || outputs.empty())
    throw std::invalid_argument("eval_tensors: the program has " +
                                std::to_string(program.num_vars()) + " variables and " +
                                std::to_string(program.num_outputs()) + " outputs, given " +
                                std::to_string(inputs.size()) + " inputs and " +
                                std::to_string(outputs.size()) + " outputs");
  for (const gr_tensor& t : inputs)
    if (t.dtype != dtype) throw std::invalid_argument("eval_tensors: an input has another dtype");
  for (const gr_tensor& t : outputs) {
    if (t.dtype != dtype) throw std::invalid_argument("eval_tensors: an output has another dtype");
    if (t.rank != outputs[0].rank ||
        !std::equal(t.shape, t.shape + t.rank, outputs[0].shape))
      throw std::invalid_argument("eval_tensors: outputs of different shapes " +
                                  shape_text(t) + " and " + shape_text(outputs[0]));
  }
  if (dtype == GR_F64) {
    eval_typed<double>(*impl, inputs, outputs, parallel_for);
  } else {
    eval_typed<float>(*impl, inputs, outputs, parallel_for);
  }
}

}  // namespace graphrun::expr
