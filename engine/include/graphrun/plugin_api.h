/* graphrun plugin API, C boundary (version 1).
 *
 * A plugin is a shared library exporting one symbol, graphrun_plugin_init, which checks
 * the host's API version and registers its ops. Only C types cross this boundary; the
 * header-only C++ layer in plugin.hpp turns exceptions into statuses. Structs are only
 * ever appended to; every struct that the host reads starts with a size or version field.
 */
#ifndef GRAPHRUN_PLUGIN_API_H
#define GRAPHRUN_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRAPHRUN_API_VERSION 1u
#define GR_MAX_RANK 8
#define GR_MESSAGE_CAPACITY 1024
#define GR_MAX_OUTPUTS 16

#if defined(_WIN32)
#define GR_EXPORT __declspec(dllexport)
#else
#define GR_EXPORT __attribute__((visibility("default")))
#endif

/* Element type of every tensor in a graph. */
typedef enum gr_dtype { GR_F32 = 0, GR_F64 = 1 } gr_dtype;

/* A dense, contiguous, row-major tensor. data is NULL during shape inference. */
typedef struct gr_tensor {
  void* data;
  int32_t dtype;
  int32_t rank;
  int64_t shape[GR_MAX_RANK];
} gr_tensor;

/* Result codes of every callback. */
typedef enum gr_code {
  GR_OK = 0,
  GR_RUNTIME_ERROR = 1, /* failure while running (exit code 1) */
  GR_USER_ERROR = 2     /* the graph is invalid (exit code 2) */
} gr_code;

/* Error detail filled by a failing callback. attr names the attribute (or port) the error is
 * about, so the host can point at its line and column; offset is a column inside that
 * attribute's string value (a formula), or -1. */
typedef struct gr_status {
  int32_t code;
  int32_t offset;
  char attr[64];
  char message[GR_MESSAGE_CAPACITY];
} gr_status;

/* A resolved attribute value: a small tagged tree (scalars, lists, string maps). */
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

typedef struct gr_attr_desc {
  const char* name;
  int32_t type;        /* gr_attr_type */
  int32_t required;    /* nonzero: the node must give it */
  gr_value default_value; /* kind NONE when there is none */
  const char* choices; /* "a|b|c" for STRING / INT_OR_STRING, or NULL */
  const char* doc;
} gr_attr_desc;

typedef struct gr_port_desc {
  const char* name;
  const char* doc;
  int32_t optional;
} gr_port_desc;

struct gr_host;

/* A node as a callback sees it: graph dtype, connected inputs, resolved attributes, params. */
typedef struct gr_node {
  const char* id;
  int32_t dtype;
  int32_t num_inputs;
  const char* const* input_names; /* port name of each connected input */
  const gr_tensor* inputs;        /* data is NULL during inference */
  int32_t num_attrs;              /* every declared attribute, in declaration order */
  const char* const* attr_names;
  const gr_value* attrs;          /* kind NONE when absent and without default */
  int32_t num_params;             /* the graph's params (numbers), for formulas */
  const char* const* param_names;
  const double* param_values;
  const struct gr_host* host;
  void* state;                    /* what prepare returned */
  /* Ops flagged GR_OP_EPILOGUE: an elementwise program (one variable, the op's value; one
   * result) that the kernel applies to each chunk of its first output right after
   * computing it, while it is still in cache: host->program_eval(epilogue, dtype, n,
   * &chunk, &zero, &chunk) (in place is allowed). NULL when there is none. */
  const struct gr_program* epilogue;
} gr_node;

/* What shape inference produces: one entry per output port. */
typedef struct gr_outputs {
  int32_t count;
  char names[GR_MAX_OUTPUTS][64];
  gr_tensor tensors[GR_MAX_OUTPUTS]; /* dtype, rank, shape; data unused */
} gr_outputs;

typedef enum gr_op_flags {
  GR_OP_VARIADIC_INPUTS = 1, /* any port name, or a positional list of any length */
  GR_OP_DYNAMIC_OUTPUTS = 2, /* infer names the outputs (e.g. one per ODE state) */
  GR_OP_EPILOGUE = 4         /* the kernel applies node->epilogue to its first output */
} gr_op_flags;

typedef int (*gr_infer_fn)(void* user, const gr_node* node, gr_outputs* outputs, gr_status* status);
typedef int (*gr_prepare_fn)(void* user, const gr_node* node, void** state, gr_status* status);
typedef void (*gr_release_fn)(void* user, void* state);
typedef int (*gr_kernel_fn)(void* user, const gr_node* node, gr_tensor* outputs,
                            int32_t num_outputs, gr_status* status);
/* Writes the op's elementwise formula (over its port names, attribute names and params)
 * into buffer; returns GR_OK, or an error when the attributes give no valid formula. */
typedef int (*gr_expression_fn)(void* user, const gr_node* node, char* buffer, size_t capacity,
                                gr_status* status);

/* One operator. Fields are only ever appended. */
typedef struct gr_op_desc {
  uint32_t api_version; /* GRAPHRUN_API_VERSION the plugin was built with */
  uint32_t struct_size; /* sizeof(gr_op_desc) as the plugin saw it */
  const char* name;
  const char* doc;
  int32_t flags;
  int32_t num_inputs;
  const gr_port_desc* inputs;
  int32_t num_outputs;
  const gr_port_desc* outputs;
  int32_t num_attrs;
  const gr_attr_desc* attrs;
  void* user;
  gr_infer_fn infer;           /* NULL: elementwise ops get numpy broadcasting */
  gr_prepare_fn prepare;       /* optional: per-node state built once before runs */
  gr_release_fn release;       /* optional */
  gr_kernel_fn cpu_kernel;     /* NULL only for elementwise ops (run by the fused evaluator) */
  gr_kernel_fn cuda_kernel;    /* optional; data pointers are device pointers */
  gr_expression_fn expression; /* non-NULL: the op is elementwise and fusible */
} gr_op_desc;

/* An expression program compiled by the host (the engine's expression language). */
typedef struct gr_program gr_program;

/* Services the host gives plugins. */
typedef struct gr_host {
  uint32_t api_version;
  uint32_t struct_size;
  /* Runs body over [begin, end) in chunks of exactly `grain` (the last one shorter), in
   * parallel on the host's thread pool. Chunking depends only on grain, never on the
   * thread count, so results can be bit-identical whatever --threads says. */
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
   * var_is_scalar[v]; outs[k] receives n values. Same dtype for all. Thread-safe. */
  void (*program_eval)(const gr_program* program, int32_t dtype, int64_t n,
                       const void* const* vars, const int32_t* var_is_scalar, void* const* outs);
  void (*program_free)(gr_program* program);
} gr_host;

/* Handed to graphrun_plugin_init. */
typedef struct gr_registrar {
  uint32_t api_version; /* the host's GRAPHRUN_API_VERSION */
  const gr_host* host;
  /* Registers one op; returns GR_OK or an error (duplicate name, bad descriptor). */
  int (*register_op)(struct gr_registrar* self, const gr_op_desc* op, gr_status* status);
  /* Tells the host the plugin was built for another API version; the load is refused. */
  void (*refuse_version)(struct gr_registrar* self, uint32_t plugin_api_version);
  void* host_data;
} gr_registrar;

/* The one entry point a plugin exports. Returns GR_OK when every op registered. */
typedef int (*gr_plugin_init_fn)(gr_registrar* registrar);
#define GRAPHRUN_PLUGIN_INIT_SYMBOL "graphrun_plugin_init"

#ifdef __cplusplus
}
#endif

#endif /* GRAPHRUN_PLUGIN_API_H */
