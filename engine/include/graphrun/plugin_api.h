/* graphrun plugin API, C boundary (version 2.5).
 *
 * A plugin is a shared library exporting one symbol, graphrun_plugin_init, which registers
 * its ops. Only C types cross this boundary; the header-only C++ layer in plugin.hpp turns
 * exceptions into statuses.
 *
 * Versioning. GRAPHRUN_API_MAJOR changes only when a layout changes incompatibly; a plugin
 * must have the host's major. GRAPHRUN_API_MINOR grows when fields are appended: a plugin
 * built against an older minor keeps loading (the host copies the prefix of each struct it
 * knows from the plugin and zero-fills the rest); one built against a newer minor than the
 * host is refused. To make that possible:
 *   - every struct that may grow starts with uint32_t struct_size and only ever gains fields
 *     at its end;
 *   - growable structs never sit in arrays: lists of them are arrays of pointers;
 *   - gr_value and gr_status are fixed forever (a new value kind reuses gr_value's fields).
 * A plugin reads a host struct's fields past its own header's end only after checking
 * struct_size (GR_HAS_FIELD).
 */
#ifndef GRAPHRUN_PLUGIN_API_H
#define GRAPHRUN_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRAPHRUN_API_MAJOR 2u
#define GRAPHRUN_API_MINOR 5u
/* major << 16 | minor: what gr_op_desc.api_version and gr_registrar.api_version carry. */
#define GRAPHRUN_API_VERSION ((GRAPHRUN_API_MAJOR << 16) | GRAPHRUN_API_MINOR)
#define GR_API_MAJOR_OF(version) ((uint32_t)(version) >> 16)
#define GR_API_MINOR_OF(version) ((uint32_t)(version) & 0xffffu)

#define GR_MAX_RANK 8
#define GR_MESSAGE_CAPACITY 1024
#define GR_MAX_OUTPUTS 16

/* Nonzero when a struct that says it is `size` bytes long contains `field`. */
#define GR_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#if defined(_WIN32)
#define GR_EXPORT __declspec(dllexport)
#else
#define GR_EXPORT __attribute__((visibility("default")))
#endif

/* Element type of every tensor in a graph. */
typedef enum gr_dtype { GR_F32 = 0, GR_F64 = 1 } gr_dtype;

/* Where a tensor's bytes live. A CPU kernel only ever sees GR_MEMORY_HOST (or pinned host)
 * tensors; a CUDA kernel sees GR_MEMORY_DEVICE tensors of its device. */
typedef enum gr_memory {
  GR_MEMORY_HOST = 0,        /* ordinary host memory */
  GR_MEMORY_HOST_PINNED = 1, /* page-locked host memory, readable by the host */
  GR_MEMORY_DEVICE = 2       /* device memory of gr_tensor.device */
} gr_memory;

/* A dense, contiguous, row-major tensor. data is NULL during shape inference. */
typedef struct gr_tensor {
  uint32_t struct_size;
  int32_t dtype;   /* gr_dtype */
  int32_t rank;    /* 0..GR_MAX_RANK */
  int32_t memory;  /* gr_memory */
  int32_t device;  /* device ordinal when memory is GR_MEMORY_DEVICE, else 0 */
  int32_t reserved;
  void* data;
  int64_t shape[GR_MAX_RANK];
} gr_tensor;

/* Result codes of every callback. */
typedef enum gr_code {
  GR_OK = 0,
  GR_RUNTIME_ERROR = 1, /* failure while running (exit code 1) */
  GR_USER_ERROR = 2     /* the graph is invalid (exit code 2) */
} gr_code;

/* Error detail filled by a failing callback (fixed layout). attr names the attribute (or
 * port) the error is about, so the host can point at its line and column; offset is a column
 * inside that attribute's string value (a formula), or -1. */
typedef struct gr_status {
  int32_t code;
  int32_t offset;
  char attr[64];
  char message[GR_MESSAGE_CAPACITY];
} gr_status;

/* A resolved attribute value: a small tagged tree (scalars, lists, string maps). Fixed layout. */
typedef enum gr_value_kind {
  GR_VALUE_NONE = 0, /* optional attribute not given */
  GR_VALUE_BOOL,
  GR_VALUE_INT,
  GR_VALUE_FLOAT,
  GR_VALUE_STRING,
  GR_VALUE_LIST,
  GR_VALUE_MAP
} gr_value_kind;

typedef struct gr_value {
  int32_t kind;
  int64_t i;                    /* BOOL, INT */
  double f;                     /* FLOAT, and INT as a double */
  const char* s;                /* STRING */
  int64_t count;                /* LIST, MAP: number of items */
  const struct gr_value* items; /* LIST, MAP */
  const char* const* keys;      /* MAP */
} gr_value;

/* Declared type of an attribute; the host checks values against it before anything runs. */
typedef enum gr_attr_type {
  GR_ATTR_FLOAT = 0, /* a number (an int is accepted) */
  GR_ATTR_INT,       /* an integral number */
  GR_ATTR_BOOL,
  GR_ATTR_STRING,    /* with choices: one of "a|b|c" */
  GR_ATTR_INT_LIST,  /* a list of ints (a single int is accepted as a list of one) */
  GR_ATTR_TENSOR,    /* a number or a nested list of numbers */
  GR_ATTR_STRING_LIST,
  GR_ATTR_STRING_MAP, /* a map string -> string (or number, read as its text) */
  GR_ATTR_FORMULA,    /* a string in the expression language (errors point inside it) */
  GR_ATTR_INT_OR_STRING /* an int, or one of choices */
} gr_attr_type;
#define GR_ATTR_TYPE_COUNT 10

typedef struct gr_attr_desc {
  uint32_t struct_size;
  int32_t type;           /* gr_attr_type */
  const char* name;
  int32_t required;       /* nonzero: the node must give it */
  gr_value default_value; /* kind NONE when there is none */
  const char* choices;    /* "a|b|c" for STRING / INT_OR_STRING, or NULL */
  const char* doc;
} gr_attr_desc;

typedef struct gr_port_desc {
  uint32_t struct_size;
  int32_t optional;  /* inputs only: the port may be left unconnected */
  const char* name;
  const char* doc;
} gr_port_desc;

struct gr_host;

/* An expression program compiled by the host (the engine's expression language). */
typedef struct gr_program gr_program;

/* A node as a callback sees it: graph dtype, connected inputs, resolved attributes, params. */
typedef struct gr_node {
  uint32_t struct_size;
  int32_t dtype;
  const char* id;
  int32_t num_inputs;
  const char* const* input_names;  /* port name of each connected input */
  const gr_tensor* const* inputs;  /* data is NULL during inference */
  int32_t num_attrs;               /* every declared attribute, in declaration order */
  const char* const* attr_names;
  const gr_value* attrs;           /* kind NONE when absent and without default */
  int32_t num_params;              /* the graph's params (numbers), for formulas */
  const char* const* param_names;
  const double* param_values;
  const struct gr_host* host;
  void* state;                     /* what prepare returned */
  /* Ops flagged GR_OP_EPILOGUE: an elementwise program (one variable, the op's value; one
   * result) that the kernel applies to each chunk of its first output right after
   * computing it, while it is still in cache: host->program_eval(epilogue, dtype, n,
   * &chunk, &zero, &chunk) (in place is allowed). NULL when there is none. A cuda_kernel
   * sees it only when the op is also flagged GR_OP_CUDA_EPILOGUE (and applies it itself,
   * e.g. with program_cuda's statements); otherwise it is NULL there and the host applies
   * the epilogue on the device after the kernel. */
  const gr_program* epilogue;
} gr_node;

/* What shape inference declares, through host->declare_output. Owned by the host. */
typedef struct gr_outputs gr_outputs;

typedef enum gr_op_flags {
  GR_OP_VARIADIC_INPUTS = 1, /* any port name, or a positional list of any length */
  GR_OP_DYNAMIC_OUTPUTS = 2, /* infer names the outputs (e.g. one per ODE state) */
  GR_OP_EPILOGUE = 4,        /* the kernel applies node->epilogue to its first output */
  /* since 2.4: the op scans along the last axis of its inputs and can run on one block of
   * that axis per MPI rank, exchanging a carry between its passes (host->scan_exchange) */
  GR_OP_SCAN_BLOCKS = 8,
  /* since 2.5, with GR_OP_EPILOGUE: the op's cuda_kernel applies node->epilogue itself, to
   * every element of its first output before storing it (typically through program_cuda in
   * a kernel it generates). The host then hands the cuda_kernel the epilogue and runs no
   * epilogue kernel of its own after it. */
  GR_OP_CUDA_EPILOGUE = 16
} gr_op_flags;
#define GR_OP_KNOWN_FLAGS 31

typedef int (*gr_infer_fn)(void* user, const gr_node* node, gr_outputs* outputs, gr_status* status);
typedef int (*gr_prepare_fn)(void* user, const gr_node* node, void** state, gr_status* status);
typedef void (*gr_release_fn)(void* user, void* state);
typedef int (*gr_kernel_fn)(void* user, const gr_node* node, gr_tensor* const* outputs,
                            int32_t num_outputs, gr_status* status);
/* Writes the op's elementwise formula (over its port names, attribute names and params)
 * into buffer; returns GR_OK, or an error when the attributes give no valid formula. A
 * formula that does not fit in capacity bytes (with its NUL) returns GR_RUNTIME_ERROR with
 * status->offset set to the capacity it needs; the host then calls again with that much. */
typedef int (*gr_expression_fn)(void* user, const gr_node* node, char* buffer, size_t capacity,
                                gr_status* status);

/* One operator. Fields are only ever appended. */
typedef struct gr_op_desc {
  uint32_t struct_size; /* sizeof(gr_op_desc) as the plugin saw it */
  uint32_t api_version; /* GRAPHRUN_API_VERSION the plugin was built with */
  const char* name;
  const char* doc;
  int32_t flags;        /* gr_op_flags */
  int32_t num_inputs;
  const gr_port_desc* const* inputs;
  int32_t num_outputs;
  const gr_port_desc* const* outputs;
  int32_t num_attrs;
  const gr_attr_desc* const* attrs;
  void* user;
  gr_infer_fn infer;           /* NULL only for elementwise ops (numpy broadcasting) */
  gr_prepare_fn prepare;       /* optional: per-node state built once before runs */
  gr_release_fn release;       /* optional */
  gr_kernel_fn cpu_kernel;     /* NULL only for elementwise ops (run by the fused evaluator) */
  gr_kernel_fn cuda_kernel;    /* optional; data pointers are device pointers */
  gr_expression_fn expression; /* non-NULL: the op is elementwise and fusible */
  /* since 2.1 */
  const char* version;         /* the op's own version, shown by `graphrun ops`; or NULL */
} gr_op_desc;

/* since 2.5: checks a cuda_kernel leaves for the host to make once its device work is done
 * (gr_host.cuda_check): `bytes` is a host copy of the device bytes the kernel named, as they
 * were when the stream reached the end of the kernel's work. Returns GR_OK, or an error with
 * status filled: the run then fails at the node, as if its kernel had returned it. Read only
 * the node's attributes, params and state here (its tensors' data is gone). */
typedef int (*gr_device_check_fn)(const gr_node* node, const void* bytes, size_t size, gr_status* status);

/* Services the host gives plugins. Every function may be called from any thread. */
typedef struct gr_host {
  uint32_t struct_size;
  uint32_t api_version;
  /* Runs body over [begin, end) in chunks of exactly `grain` (the last one shorter), in
   * parallel on the host's thread pool. Chunking depends only on grain, never on the
   * thread count, so results can be bit-identical whatever --threads says. body must not
   * let an exception escape (plugin.hpp's Node::parallel_for carries it across). */
  void (*parallel_for)(int64_t begin, int64_t end, int64_t grain,
                       void (*body)(void* context, int64_t chunk_begin, int64_t chunk_end),
                       void* context);
  /* Compiles formulas over variables (and the node's params) into one program with
   * num_formulas results. On error returns NULL and fills status (offset = column in the
   * formula that failed, index in status->attr as text "formula:<k>"). */
  gr_program* (*program_compile)(int32_t num_formulas, const char* const* formulas,
                                 int32_t num_vars, const char* const* var_names,
                                 const gr_node* node, gr_status* status);
  /* Evaluates over n elements: vars[v] points at n values, or at one value when
   * var_is_scalar[v]; outs[k] receives n values. Same dtype for all. */
  void (*program_eval)(const gr_program* program, int32_t dtype, int64_t n,
                       const void* const* vars, const int32_t* var_is_scalar, void* const* outs);
  void (*program_free)(gr_program* program);
  /* During infer: declares the next output. name NULL or "" takes the op's port name;
   * tensor gives dtype, rank and shape. Returns GR_OK, or GR_USER_ERROR with status filled
   * (too many outputs, rank above GR_MAX_RANK, a negative dimension). */
  int (*declare_output)(gr_outputs* outputs, const char* name, const gr_tensor* tensor,
                        gr_status* status);
  /* since 2.1 */
  /* From a kernel: the fraction (0..1) of the node's work done, for the progress display.
   * Cheap; call it every few milliseconds at most. */
  void (*report_progress)(const gr_node* node, double fraction);
  /* since 2.2: device services, for a cuda_kernel. Called from anything else (a CPU kernel,
   * a thread the host did not start) they give NULL or 0. */
  /* The stream (a cudaStream_t) the node's CUDA kernel launches all its work on. The host
   * orders it after the node's inputs and before its consumers: the kernel neither
   * synchronizes it nor waits on the device. */
  void* (*cuda_stream)(const gr_node* node);
  /* Device memory of at least `bytes`, 256-byte aligned, for this kernel call: usable by
   * work queued on cuda_stream until the kernel returns (stream-ordered; the host frees
   * it). NULL with status filled (GR_RUNTIME_ERROR, the size) when the device is full. */
  void* (*device_scratch)(const gr_node* node, size_t bytes, gr_status* status);
  /* The compute capability of the node's device as major * 10 + minor: 90 on Hopper. */
  int32_t (*device_compute_capability)(const gr_node* node);
  /* since 2.3: native code for CPU kernels. */
  /* Writes C++ statements computing one element of the program: they read `v[i]` (variable
   * i) and assign `out[k]` (result k), in a type `T` (float or double) that the caller's
   * source defines, with the interpreter's bits operation for operation. Returns the length
   * of the whole text (write nothing when it exceeds capacity: call again with more), or 0
   * when the program uses a function that has no such exact form (the caller then keeps
   * program_eval). */
  size_t (*program_cpp)(const gr_program* program, char* buffer, size_t capacity);
  /* Compiles C++ `source` with the system compiler (no fast-math, no FMA contraction, for
   * this CPU), cached in memory and on disk with the CUDA kernels, and returns the address
   * of its extern "C" function `symbol`, loaded for the rest of the process. NULL with
   * status filled when there is no compiler (GRAPHRUN_CXX=none), it fails, or the symbol is
   * missing: the caller falls back to slower code with the same results. */
  void* (*native_function)(const char* source, const char* symbol, gr_status* status);
  /* since 2.4: scans split over MPI ranks, for ops flagged GR_OP_SCAN_BLOCKS. */
  /* How many blocks the node's scan axis is split into (1 outside a run sharded along it),
   * and in *rank which of them the node holds (blocks in order: rank 0 holds the start). */
  int32_t (*scan_ranks)(const gr_node* node, int32_t* rank);
  /* Every rank's carry: each rank's kernel passes `bytes` bytes at `mine` (sizes may differ)
   * and receives all of them, concatenated in rank order, at *all, rank q's at
   * [(*offsets)[q], (*offsets)[q + 1]); host memory valid until the next call or the kernel's
   * return. Call it
   * from the kernel's own thread (not inside a parallel_for body), the same number of times
   * on every rank. Returns GR_OK, or GR_RUNTIME_ERROR with status filled when another rank
   * failed (return that status). With one rank, *all = mine at once. */
  int (*scan_exchange)(const gr_node* node, const void* mine, int64_t bytes, const void** all,
                       const int64_t** offsets, gr_status* status);
  /* since 2.5: device code generated at run time, for a cuda_kernel. */
  /* Writes CUDA statements computing one element of the program, as program_cpp's: they read
   * `v[i]` and assign `out[k]` in a type `T` (float or double) the caller's source defines,
   * one statement per operation in the interpreter's order, calling the functions of
   * <graphrun/cuda/elementwise_math.cuh> (by their full names, graphrun::ew::...) that the
   * engine's own fused elementwise kernels call. Every program has this text: the exact
   * operations give the CPU's bits, the transcendental ones are CUDA's library functions
   * (within SPEC's tolerances). Returns the length of the whole text (write nothing when it
   * exceeds capacity: call again with more), 0 on an internal error. */
  size_t (*program_cuda)(const gr_program* program, char* buffer, size_t capacity);
  /* Compiles CUDA C++ `source` with NVRTC for the node's device (the header
   * <graphrun/cuda/elementwise_math.cuh> available to #include; no fast math, --fmad=false,
   * as the engine's elementwise kernels), through the kernel cache (memory and disk), loads
   * it and returns its extern "C" __global__ function `symbol` as an opaque handle, valid
   * for the rest of the process (the same source and symbol give the same handle at once).
   * NULL with status filled (the NVRTC log in the message) when it fails, the symbol is
   * missing, or it is called outside a cuda_kernel. */
  void* (*cuda_function)(const gr_node* node, const char* source, const char* symbol, gr_status* status);
  /* Launches a handle of cuda_function on the node's stream (cuda_stream): grid and block
   * in three dimensions, dynamic shared memory, args[i] pointing at the i-th parameter's
   * value (as cudaLaunchKernel). Never synchronizes. Returns GR_OK, or GR_RUNTIME_ERROR with
   * status filled (a launch error, or outside a cuda_kernel). */
  int (*cuda_launch)(const gr_node* node, void* kernel, const uint32_t grid[3], const uint32_t block[3],
                     uint32_t shared_bytes, void* const* args, gr_status* status);
  /* Asks the host to copy `bytes` bytes of device memory (e.g. a status word the kernel's
   * work writes into device_scratch) after the work queued so far on the node's stream, and
   * to call check(node, copy, bytes) once the stream has reached that point (at the host's
   * next synchronization, at the latest when the run ends): how a cuda_kernel reports an
   * error that only the device sees without synchronizing. GR_OK, or GR_RUNTIME_ERROR with
   * status filled (outside a cuda_kernel). */
  int (*cuda_check)(const gr_node* node, const void* device_bytes, size_t bytes, gr_device_check_fn check,
                    gr_status* status);
} gr_host;

/* Handed to graphrun_plugin_init. */
typedef struct gr_registrar {
  uint32_t struct_size;
  uint32_t api_version; /* the host's GRAPHRUN_API_VERSION */
  const gr_host* host;
  /* Registers one op; returns GR_OK or an error (duplicate name, bad descriptor, an API
   * version the host cannot load), with status filled. */
  int (*register_op)(struct gr_registrar* self, const gr_op_desc* op, gr_status* status);
  /* Tells the host the plugin cannot work with this host's API version; the load is
   * refused with both versions named. */
  void (*refuse_version)(struct gr_registrar* self, uint32_t plugin_api_version);
  /* Tells the host why the plugin cannot register its ops; the load is refused with it. */
  void (*refuse)(struct gr_registrar* self, const char* message);
  void* host_data;
} gr_registrar;

/* The one entry point a plugin exports. Returns GR_OK when every op registered. */
typedef int (*gr_plugin_init_fn)(gr_registrar* registrar);
#define GRAPHRUN_PLUGIN_INIT_SYMBOL "graphrun_plugin_init"

#ifdef __cplusplus
}
#endif

#endif /* GRAPHRUN_PLUGIN_API_H */
