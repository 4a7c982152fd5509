#include "gate/config/config_loader.h"

namespace httpgate::gate {

ConfigLoader yamlConfigLoader(std::string path) {
  return [path = std::move(path)]() -> LoadedConfig {
    auto loaded = loadConfig(path);
    if (!loaded.ok()) {
      return LoadedConfig::fail(std::move(loaded).error().message);
    }
    return LoadedConfig::success(std::make_shared<const Config>(std::move(loaded).value()));
  };
}

}  // namespace httpgate::gate
