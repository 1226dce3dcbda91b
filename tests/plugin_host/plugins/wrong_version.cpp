// A plugin built for a future API version: the loader must refuse it.
#include <graphrun/plugin_api.h>

extern "C" GR_EXPORT int graphrun_plugin_init(gr_registrar* reg) {
  if (reg->api_version != 99u) {
    reg->refuse_version(reg, 99u);
    return GR_USER_ERROR;
  }
  return GR_OK;
}
