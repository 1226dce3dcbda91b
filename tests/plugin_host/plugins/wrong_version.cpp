// A plugin built for a future major API version: the loader must refuse it.
#include <graphrun/plugin_api.h>

static const uint32_t kFutureMajor = (GRAPHRUN_API_MAJOR + 1) << 16;

extern "C" GR_EXPORT int graphrun_plugin_init(gr_registrar* reg) {
  if (GR_API_MAJOR_OF(reg->api_version) != GR_API_MAJOR_OF(kFutureMajor)) {
    reg->refuse_version(reg, kFutureMajor);
    return GR_USER_ERROR;
  }
  return GR_OK;
}
